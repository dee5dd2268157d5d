# mailway check — textos de los hallazgos (español).
# Id del mensaje = id del hallazgo con "." cambiado por "-". Valor = título; .explain; .fix.
# Registro: tuteo (tú), como el resto de mailway.

## encabezados del informe

ui-area-resolver = Resolutores y dominio
ui-area-mx = MX (adónde va el correo del dominio)
ui-area-ns = Servidores de nombres
ui-area-propagation = Propagación (acuerdo entre resolutores)
ui-area-dnssec = DNSSEC
ui-area-spf = SPF
ui-area-dkim = DKIM
ui-area-dmarc = DMARC
ui-area-mta-sts = MTA-STS
ui-area-tls-rpt = Informes TLS (TLS-RPT)
ui-area-dane = DANE (TLSA)
ui-area-bimi = BIMI
ui-area-ip = IP de envío
ui-area-blocklist = Listas de bloqueo
ui-summary = { $errors } errores, { $warnings } avisos, { $infos } notas, { $oks } comprobaciones correctas
ui-evidence = evidencia
ui-fix = solución
ui-answered-by = respondió
ui-could-not-run = La comprobación no pudo ejecutarse
ui-checked = Comprobado { $domain } con { $resolvers } en { $ms } ms

## errores de DNS (en los textos de los hallazgos y en las evidencias)

dns-error-nxdomain = { $name }: el dominio no existe (NXDOMAIN de { $server })
dns-error-nodata = { $name }: no hay registro { $rtype } (NODATA de { $server })
dns-error-servfail = { $name } { $rtype }: fallo del servidor (SERVFAIL de { $server })
dns-error-refused = { $name } { $rtype }: consulta rechazada (REFUSED de { $server })
dns-error-rcode = { $name } { $rtype }: respuesta de error { $rcode } de { $server }
dns-error-timeout = { $name } { $rtype }: sin respuesta en { $seconds } s de { $servers }
dns-error-io = { $name } { $rtype }: error de E/S al hablar con { $server }: { $message }
dns-error-protocol = { $name } { $rtype }: respuesta inutilizable de { $server }: { $message }
dns-error-cname-loop = { $name }: la cadena de CNAME forma un bucle o tiene más de { $limit } eslabones
dns-error-invalid-name = "{ $name }" no es un nombre DNS válido: { $reason }
dns-error-no-servers = no hay ningún servidor DNS configurado
dns-result-timeout = sin respuesta en { $seconds } s
dns-result-io = error de E/S
dns-result-protocol = respuesta inutilizable
dns-result-cname-loop = bucle de CNAME
dns-result-invalid-name = nombre no válido
dns-result-no-servers = sin servidor

## resolutores y dominio

resolver-ok = Respondieron { $count } resolutor(es): { $servers }
    .explain = Todas las respuestas de abajo vienen de estos resolutores; cada evidencia indica cuál respondió.
resolver-slow = El resolutor { $server } es lento ({ $ms } ms)
    .explain = Respondió, pero tardó más de la mitad del tiempo de espera. Un resolutor lento retrasa cada intento de entrega y puede provocar errores DNS temporales (4.4.3).
    .fix = Usa un resolutor más cercano al servidor de correo (una caché local como unbound) o revisa la red hasta { $server }.
resolver-refused = El resolutor { $server } respondió { $rcode }
    .explain = El resolutor no contestó la pregunta: REFUSED significa que no resuelve para nosotros (no es recursivo o tiene control de acceso); SERVFAIL, que no consiguió respuesta (delegación rota, fallo DNSSEC, servidores de nombres inaccesibles).
    .fix = Comprueba que { $server } es un resolutor recursivo que admite este cliente, o usa otro con --resolver.
resolver-unreachable = El resolutor { $server } no respondió en { $seconds } s
    .explain = Ninguna respuesta (caído, filtrado por un cortafuegos o nada escuchando en ese puerto): { $error }. Un servidor de correo que lo use aplazaría cada mensaje con un error DNS temporal.
    .fix = Comprueba que hay un resolutor en { $server } y que los puertos UDP y TCP 53 están abiertos; mientras tanto indica otro con --resolver.
resolver-none-answered = No respondió ninguno de los { $count } resolutor(es)
    .explain = Sin resolutor no se puede comprobar nada; los resultados están incompletos.
    .fix = Indica un resolutor que funcione con --resolver IP[:PUERTO].
resolver-area-timeout = Las comprobaciones de { $subject } no terminaron en { $seconds } s
    .explain = Algunas respuestas DNS tardaron demasiado; se dejó de esperar para que la ejecución tenga un límite. Faltan los hallazgos de esta área.
    .fix = Repite con un --timeout mayor o un resolutor más rápido.
domain-invalid = No es un nombre de dominio válido
    .explain = { $error }
    .fix = Indica un dominio como ejemplo.com (sin esquema ni ruta, etiquetas de 63 caracteres como máximo).
domain-nxdomain = { $domain } no existe (NXDOMAIN)
    .explain = El DNS dice que el dominio no existe. El correo hacia él rebota al momento con "5.1.2 bad destination system", y el correo desde él lo rechazan casi todos los receptores.
    .fix = Revisa cómo está escrito; si debería existir, revisa el registro y la delegación en el registrador.

## MX

mx-ok = { $count } servidor(es) MX, todos resolubles: { $hosts }
    .explain = Los remitentes los prueban por orden de preferencia; cada uno tiene al menos una dirección.
mx-implicit = Sin registro MX: el correo va a la dirección del propio dominio ({ $addresses })
    .explain = Sin registros MX, los remitentes usan los registros A/AAAA del propio dominio (el "MX implícito" del RFC 5321 §5.1). Funciona, pero casi nunca es lo que se quería: se pide al servidor web que acepte correo.
    .fix = Publica registros MX para los servidores que deben recibir correo, o un MX nulo ("0 .", RFC 7505) si el dominio no recibe correo.
mx-none = Sin MX ni dirección: el dominio no puede recibir correo
    .explain = No hay registro MX ni registro A/AAAA para { $domain }, así que el correo hacia él rebota (o algunos remitentes lo reintentan hasta que caduca).
    .fix = Publica registros MX; si el dominio no debe recibir correo, publica un MX nulo ("{ $domain }. MX 0 .") para que los remitentes reboten al instante.
mx-lookup-failed = Falló la consulta MX: { $error }
    .explain = El resolutor no pudo decir si hay registros MX. Los remitentes lo tratan como error temporal y reintentan, lo que termina en "4.4.7 delivery time expired".
    .fix = Revisa los servidores de nombres del dominio (ver sus hallazgos) y DNSSEC.
mx-null = MX nulo: el dominio no acepta correo (RFC 7505)
    .explain = El único registro MX "0 ." indica que el dominio no recibe correo; los remitentes rebotan al momento con 5.1.10 en lugar de reintentar.
mx-null-mixed = MX nulo mezclado con otros registros MX
    .explain = El MX nulo "0 ." significa "aquí no hay correo", pero también hay otros MX. El RFC 7505 §3 lo prohíbe; los remitentes pueden considerar que el dominio no tiene ningún MX válido.
    .fix = Quita "0 ." para recibir correo, o quita todos los demás MX para no aceptar ninguno.
mx-duplicate = { $subject } aparece varias veces (preferencias { $preferences })
    .explain = El mismo servidor con varias preferencias no aporta nada y sugiere un registro olvidado.
    .fix = Deja un registro MX por servidor.
mx-target-ip = El destino MX { $subject } es una dirección IP, no un nombre
    .explain = Un registro MX debe nombrar un servidor (RFC 5321 §5.1, RFC 7505). Los remitentes buscan "{ $subject }" como nombre, que no existe, así que este MX no sirve.
    .fix = Crea un nombre (p. ej. mx.{ $domain }) con un registro A para esa dirección y apunta el MX a él.
mx-target-cname = El destino MX { $subject } es un alias (CNAME a { $target })
    .explain = Los MX deben apuntar a un nombre canónico, no a un alias (RFC 2181 §10.3, RFC 5321 §5.1). Muchos remitentes siguen el alias, otros no, y alguno rechaza el correo.
    .fix = Apunta el MX directamente a { $target }.
mx-target-nxdomain = El servidor MX { $subject } no existe
    .explain = El MX apunta a un nombre que no existe (NXDOMAIN). Los remitentes lo saltan; si es el único, el correo rebota o se reintenta hasta caducar.
    .fix = Corrige el destino del MX o crea el nombre con sus registros A/AAAA.
mx-target-no-address = El servidor MX { $subject } no tiene registro A ni AAAA
    .explain = El nombre existe pero no tiene dirección, así que los remitentes no pueden conectarse.
    .fix = Añade registros A (y AAAA) para { $subject } o apunta el MX a otro sitio.
mx-target-lookup-failed = No se pudo resolver el servidor MX { $subject }: { $error }
    .explain = Un fallo DNS temporal: los remitentes reintentarán y el correo se retrasa mientras dure.
    .fix = Revisa los servidores de nombres de la zona de { $subject }.
mx-shared-address = Los servidores MX { $hosts } comparten la dirección { $subject }
    .explain = Varios nombres MX llevan a la misma máquina, así que no dan redundancia.
mx-no-usable-host = Ninguno de los { $count } servidor(es) MX sirve
    .explain = Todos los servidores MX están rotos (sin nombre, sin dirección o con una dirección inalcanzable desde Internet): el correo al dominio no se puede entregar.
    .fix = Corrige los hallazgos MX anteriores.
mx-address-special = { $host } resuelve a { $class ->
        [loopback] una dirección de bucle local (loopback)
        [private] una dirección privada
        [unspecified] la dirección no especificada
        [link-local] una dirección de enlace local
        [cgn] una dirección de NAT de operador (CGN)
        [documentation] una dirección de documentación
        [benchmark] una dirección de pruebas de rendimiento
        [multicast] una dirección multicast
       *[other] una dirección reservada
    } ({ $address })
    .explain = { $class ->
        [loopback] Una dirección loopback hace que cada remitente se entregue a sí mismo: lo rechaza o entra en bucle ("mail loops back to myself").
        [unspecified] 0.0.0.0 no es un servidor; nadie puede conectarse.
        [documentation] Los rangos de documentación (RFC 5737, RFC 3849) no se enrutan en Internet; nadie puede conectarse.
        *[other] Este rango no es accesible desde Internet, así que los remitentes externos no pueden conectarse.
    }{ $test_domain ->
        [yes] { " " }El dominio está bajo un nombre de uso especial para pruebas (RFC 6761), por eso se informa un nivel más bajo que para un dominio real.
       *[no] {""}
    }
    .fix = Publica la dirección pública de { $host }.

## servidores de nombres

ns-lookup-failed = No se pudieron obtener los servidores de nombres de { $zone }: { $error }
    .explain = Sin los registros NS no se puede comprobar la delegación.
    .fix = Revisa la delegación en la zona padre (tu registrador).
ns-single = Solo { $count } servidor de nombres para { $zone }
    .explain = El RFC 1034 §4.1 y el RFC 2182 piden al menos dos servidores de nombres en redes distintas; con uno, una sola caída deja inaccesible todo el dominio (y su correo).
    .fix = Añade un segundo servidor de nombres (la mayoría de proveedores DNS ofrecen secundarios) y decláralo en el registrador.
ns-no-address = El servidor de nombres { $subject } no tiene dirección: { $error }
    .explain = Los resolutores no pueden llegar a un servidor de nombres que no pueden resolver.
    .fix = Publica registros A/AAAA (y glue en la zona padre) para { $subject }.
ns-unreachable = El servidor de nombres { $subject } no responde: { $error }
    .explain = Los resolutores que lo eligen esperan el tiempo de espera y prueban otro: las consultas se vuelven lentas y fallan si todos están caídos.
    .fix = Comprueba que el servidor DNS funciona en { $address } y que los puertos UDP y TCP 53 están abiertos.
ns-lame = Delegación coja (lame): { $subject } no sirve { $zone } ({ $rcode }, autoritativo: { $aa })
    .explain = La zona está delegada en este servidor, pero no responde con autoridad por ella. Los resolutores que le preguntan reciben un error o una no-respuesta y deben probar otro servidor; algunos se rinden con SERVFAIL.
    .fix = Carga la zona en { $host } o quita { $host } de los registros NS (y del registrador).
ns-serial-mismatch = Los servidores de nombres sirven versiones distintas de { $zone }: { $serials }
    .explain = Seriales SOA distintos indican que los secundarios no se han actualizado (transferencias de zona o NOTIFY fallidos): cada resolutor recibe respuestas distintas según el servidor al que pregunte.
    .fix = Revisa las transferencias de zona (AXFR/IXFR, NOTIFY, claves TSIG, cortafuegos) del primario a cada secundario.
ns-nsset-mismatch = Los servidores de nombres dan registros NS distintos para { $zone }
    .explain = El conjunto NS de la zona debe ser igual en todos los servidores autoritativos; una lista vieja sigue mandando resolutores a servidores antiguos.
    .fix = Haz que todos sirvan la zona actual (ver el hallazgo del serial) y actualiza la lista del registrador.
ns-data-mismatch = Los servidores de nombres dan respuestas distintas para { $query }
    .explain = Según qué servidor de nombres consulte el resolutor del remitente, el correo va a servidores distintos: algunos remitentes entregan a un servidor viejo o equivocado.
    .fix = Sincroniza la zona en todos los servidores de nombres (transferencias de zona) y vuelve a comprobar.
ns-ok = { $count } dirección(es) de servidores de nombres responden con autoridad por { $zone } (serial { $serial })
    .explain = Sin delegación coja, y todos sirven la misma versión de la zona.

## propagación

propagation-mismatch = Los resolutores no coinciden en { $query }
    .explain = Resolutores distintos devuelven respuestas distintas: un cambio reciente aún no se ha propagado (las respuestas viejas siguen en caché hasta que caduque su TTL), o los propios servidores de nombres no coinciden.
    .fix = Espera a que caduque el TTL de los registros viejos; si persiste, compara los servidores autoritativos (hallazgos de servidores de nombres).
propagation-ok = { $count } resolutores dan las mismas respuestas
    .explain = Las respuestas SOA, NS, MX, SPF y DMARC coinciden entre { $servers }.

## DNSSEC

dnssec-unsigned = { $zone } no está firmado con DNSSEC
    .explain = Las respuestas del dominio (MX, SPF, DKIM, TLSA) no llevan firma, así que un resolutor no puede distinguir respuestas falsificadas de las reales, y no se puede usar DANE (el RFC 7672 exige DNSSEC). Los validadores la consideran insegura: { $why }. Muchos dominios no están firmados; es una nota, no un fallo.
    .fix = Activa la firma DNSSEC en tu proveedor DNS y publica en el registrador el registro DS que te indique.
dnssec-no-ds = { $zone } está firmado ({ $keys } DNSKEY), pero la zona padre no tiene registro DS
    .explain = Sin DS en la zona padre ninguna cadena de confianza llega a las claves: los resolutores que validan tratan la zona como no firmada y los registros DANE (TLSA) se ignoran.
    .fix = Publica en el registrador el DS de la clave de firma de claves (tu proveedor DNS te lo muestra).
dnssec-ds-without-keys = La zona padre publica un DS para { $zone }, pero la zona no sirve ninguna DNSKEY
    .explain = Los resolutores que validan (Google, Cloudflare, Quad9, la mayoría de proveedores) esperan firmas y no las encuentran: responden SERVFAIL para cualquier nombre del dominio. Los remitentes no encuentran el MX, aplazan el correo y al final lo devuelven (4.4.3, 4.4.7).
    .fix = Vuelve a activar la firma en el proveedor DNS o, si la zona se movió a un proveedor sin firma, quita el DS en el registrador y espera a que caduque su TTL.
dnssec-ds-mismatch = Ningún registro DS de { $zone } coincide con sus claves (DS con etiquetas { $ds_tags }; DNSKEY { $key_tags })
    .explain = La cadena de confianza está rota: los resolutores que validan no pueden autenticar las claves y responden SERVFAIL para todo el dominio, así que los remitentes no resuelven el MX y el correo se aplaza y luego se devuelve. Es típico tras un cambio de clave o de proveedor sin actualizar el DS.
    .fix = Sustituye en el registrador el DS por el de la clave de firma de claves actual (tu proveedor DNS te lo muestra).
dnssec-keyset-not-signed = El conjunto DNSKEY de { $zone } no está bien firmado por la clave a la que apunta su DS ({ $kind ->
        [expired] firma caducada el { $detail }
        [not-yet-valid] firma válida solo desde { $detail }
        [bad-signature] la firma no se verifica: { $detail }
        [no-key] firmado solo por las etiquetas { $detail }
        [unsupported-algorithm] algoritmo { $detail } no soportado
       *[other] sin firma
    })
    .explain = Los resolutores que validan no pueden autenticar las claves de la zona y responden SERVFAIL para el dominio: el correo hacia él se aplaza y luego se devuelve.
    .fix = Revisa el firmador de tu proveedor DNS (vuelve a firmar la zona, corrige la clave de firma de claves) o actualiza el DS a la clave que firma el conjunto.
dnssec-rrsig-invalid = La firma de { $query } no es válida ({ $kind ->
        [expired] caducó el { $detail }
        [not-yet-valid] válida solo desde { $detail }
        [bad-signature] no se verifica: { $detail }
        [no-key] hecha con las etiquetas { $detail }, que no están en el conjunto de claves
        [unsupported-algorithm] algoritmo { $detail } no soportado
       *[other] falta
    })
    .explain = Los resolutores que validan rechazan esta respuesta (SERVFAIL): los remitentes que los usan no pueden usarla, y el correo se aplaza o se desvía.
    .fix = Vuelve a firmar la zona (una firma caducada suele indicar que el firmador dejó de ejecutarse) y revisa el reloj del equipo que firma.
dnssec-rrsig-expiring = La firma de { $query } caduca en { $hours } h ({ $expires })
    .explain = Si la zona no se vuelve a firmar antes, los resolutores que validan empezarán a responder SERVFAIL.
    .fix = Comprueba que funciona la refirma automática de tu proveedor DNS o de tu firmador.
dnssec-ok = Cadena DNSSEC verificada para { $zone }: DS → DNSKEY (clave { $ksk }) → firmas de { $verified }, válidas hasta { $until }
    .explain = mailway verificó las firmas por sí mismo, desde el ancla de confianza hacia abajo: { $anchor }.
dnssec-validated = El resolutor { $server } validó las respuestas (bit AD)
    .explain = Un resolutor que valida comprobó la cadena de confianza desde la raíz hasta el dominio.
dnssec-resolver-not-validating = El resolutor { $server } no valida DNSSEC (sin bit AD)
    .explain = Sus respuestas no se comprueban contra falsificaciones. mailway verificó la cadena de confianza por sí mismo, desde su ancla de confianza (ver los hallazgos DNSSEC).
dnssec-lookup-failed = No se pudo consultar { $query }: { $error }
    .explain = No se pudieron obtener los registros DNSSEC, así que no se comprobaron las firmas.
    .fix = Revisa los servidores de nombres del dominio (ver los hallazgos de servidores de nombres) y vuelve a intentarlo.
dnssec-chain-bogus = La cadena de confianza DNSSEC hasta { $zone } está rota en { $at }: { $why }
    .explain = Los resolutores que validan (Google, Cloudflare, Quad9, la mayoría de los ISP) siguen la cadena desde la clave raíz; donde falla un eslabón responden SERVFAIL para todos los nombres por debajo, así que los remitentes no pueden resolver el MX, aplazan el correo y al final lo devuelven (4.4.3, 4.4.7).
    .fix = Corrige la zona indicada (vuelve a firmarla o corrige el DS en el registrador); si es un árbol privado o de pruebas, indica su clave con --trust-anchor.
dnssec-chain-insecure = { $zone } está firmada, pero los validadores la tratan como insegura: { $why }
    .explain = El DS y las claves de la zona coinciden, pero ninguna cadena validada lleva a ellas desde el ancla de confianza, así que sus firmas no protegen nada y los registros DANE se ignoran.
    .fix = Firma las zonas padre hasta el ancla de confianza (o publica allí el DS), o indica la clave de la zona con --trust-anchor en un árbol privado.
dnssec-why = { $reason ->
        [resolver] validado por el resolutor (bit AD)
        [local] verificado por mailway desde el ancla de confianza
        [no-trust-anchor] ningún ancla de confianza cubre { $zone } (anclas: { $detail })
        [insecure-delegation] la zona padre demuestra con { $detail } que { $zone } no tiene DS: una delegación insegura
        [opt-out] { $zone } está en un tramo NSEC3 opt-out de su zona padre ({ $detail }): una delegación sin firmar
        [nsec3-iterations] el NSEC3 de la zona padre usa { $detail } iteraciones, más de las que calculan los validadores (RFC 9276): se trata como no firmada
        [unsupported-algorithm] los DS de { $zone } usan solo algoritmos que mailway no puede comprobar ({ $detail }): se trata como no firmada
        [unsigned] { $zone } no está firmada
        [no-ds] { $zone } tiene DNSKEY pero ningún DS en la zona padre
        [resolver-servfail] el resolutor responde SERVFAIL: validó los datos y los rechazó
        [anchor-no-keys] la zona del ancla de confianza, { $zone }, no sirve ningún DNSKEY (claves del ancla { $detail }); revisa --trust-anchor
        [anchor-mismatch] ningún DNSKEY de { $zone } coincide con el ancla de confianza (etiquetas del ancla / de las claves: { $detail }); revisa --trust-anchor
        [anchor-keyset-not-signed] el conjunto DNSKEY de { $zone } no está firmado por la clave del ancla de confianza ({ $detail })
        [ds-signature] el DS de una zona hija de { $zone } no tiene una firma válida ({ $detail })
        [ds-without-keys] la zona padre tiene un DS para { $zone } pero la zona no sirve ningún DNSKEY
        [ds-mismatch] ningún DNSKEY de { $zone } coincide con su DS (etiquetas { $detail })
        [keyset-not-signed] el conjunto DNSKEY de { $zone } no está firmado por la clave del DS ({ $detail })
        [ds-in-bitmap] { $zone } dice que existe un DS ({ $detail }) pero no devuelve ninguno
        [denial-signature] la prueba NSEC/NSEC3 de { $zone } de que no hay DS no se verifica ({ $detail })
        [no-ds-proof] { $zone } no devuelve DS para { $detail } ni una prueba NSEC/NSEC3 firmada de que no lo hay
        [no-delegation] { $zone } demuestra que { $detail } no es una delegación, pero se sirve como zona
        [signer-mismatch] la firma nombra como firmante a { $zone }, que no es padre de { $detail }
        [missing-signature] falta el RRSIG aunque { $zone } está firmada ({ $detail })
        [expired] la firma caducó el { $detail }
        [not-yet-valid] la firma solo es válida desde el { $detail }
        [bad-signature] la firma no se verifica: { $detail }
        [no-key] firmado con las claves { $detail }, que no están en el conjunto de claves de { $zone }
        [no-denial-proof] { $zone } responde "no hay registro" para { $detail } sin una prueba NSEC/NSEC3 firmada
        [type-in-bitmap] { $zone } dice que el registro existe ({ $detail }) pero no devuelve ninguno
        [indeterminate] no se pudo determinar: { $detail }
        [no-data] no hay registros que validar
       *[other] { $reason } { $detail }
    }

## SPF

spf-none = Sin registro SPF
    .explain = Sin SPF, los receptores no saben qué servidores pueden enviar como { $domain }; el correo acaba más a menudo en spam y cualquiera puede falsificar el remitente del sobre.
    .fix = Publica un TXT en { $domain } como "v=spf1 mx -all" con tus servidores de envío (o "v=spf1 -all" si el dominio no envía correo).
spf-multiple = { $count } registros SPF en { $record_domain }
    .explain = El RFC 7208 §4.5 permite exactamente un registro "v=spf1"; con más, toda comprobación SPF da permerror y los receptores consideran roto el SPF del dominio.
    .fix = Une los registros en uno solo.
spf-lookup-failed = Falló la consulta SPF: { $error }
    .explain = Los receptores obtienen temperror y pueden aplazar el correo o aceptarlo sin SPF.
    .fix = Revisa los servidores de nombres del dominio.
spf-syntax = Error de sintaxis SPF en "{ $term }" (término { $position })
    .explain = { $kind ->
        [unknown-mechanism] "{ $term }" no es un mecanismo ni un modificador SPF (válidos: all, include, a, mx, ptr, ip4, ip6, exists, redirect=, exp=).
        [bad-ip4] El valor de ip4 no es una dirección o red IPv4 válida.
        [bad-ip6] El valor de ip6 no es una dirección o red IPv6 válida.
        [bad-cidr] La longitud de prefijo está fuera de rango o mal escrita (IPv4 0-32, IPv6 0-128, sin ceros a la izquierda).
        [missing-domain] Este mecanismo necesita un dominio después de ":".
        [unexpected-argument] Este mecanismo no admite ese argumento.
        [bad-domain] El dominio no termina en una etiqueta de primer nivel válida.
        [bad-macro] La macro no es válida.
        [duplicate-modifier] redirect= y exp= solo pueden aparecer una vez.
        [bad-modifier-name] El nombre del modificador no es válido.
        [non-ascii] Los registros SPF deben ser ASCII de 7 bits (RFC 7208 §3.1).
        [control-char] Los términos se separan solo con espacios; un carácter de control (salto de línea, tabulador) rompe el registro.
       *[other] { $detail }
    } Cualquier error de sintaxis convierte todo el registro en permerror (RFC 7208 §4.6): los receptores ignoran su SPF. Detalle: { $detail }.
    .fix = Corrige "{ $term }" en el registro SPF de { $record_domain }.
spf-ptr = El registro de { $record_domain } usa "{ $term }"
    .explain = El mecanismo ptr está obsoleto (RFC 7208 §5.5): lento, poco fiable, y muchos receptores lo ignoran o lo penalizan.
    .fix = Sustitúyelo por ip4/ip6 o por mecanismos a que nombren tus servidores de envío.
spf-all-pass = "{ $term }": cualquiera puede enviar como { $domain }
    .explain = "+all" autoriza a todas las direcciones de Internet, lo que inutiliza el SPF y dice a los receptores que los falsificadores son legítimos.
    .fix = Termina el registro con "-all" (o "~all" mientras pruebas) tras listar tus remitentes reales.
spf-all-neutral = "{ $term }": el SPF no afirma nada
    .explain = "?all" da el mismo resultado que no tener SPF para cualquier servidor no listado, así que el correo falsificado no se marca.
    .fix = Usa "~all" o "-all" cuando estén listados todos los remitentes.
spf-redirect-ignored = redirect= se ignora porque el registro tiene un mecanismo "all"
    .explain = RFC 7208 §6.1: redirect solo se aplica si ningún mecanismo coincide, y "all" coincide siempre.
spf-no-all = El registro no tiene "all" ni redirect
    .explain = Los servidores no listados obtienen "neutral", así que el correo falsificado no se marca.
    .fix = Termina el registro con "-all" o "~all".
spf-include-no-spf = { $term }: { $target } no tiene registro SPF
    .explain = Un include cuyo destino no tiene SPF da permerror (RFC 7208 §5.2) cada vez que se evalúa: los receptores ignoran entonces su SPF.
    .fix = Corrige o quita "{ $term }" (¿una errata? ¿un proveedor que movió su registro?).
spf-redirect-no-spf = { $term }: { $target } no tiene registro SPF
    .explain = Un redirect a un nombre sin SPF es un permerror (RFC 7208 §6.1).
    .fix = Apunta redirect= a un nombre que publique SPF.
spf-include-failed = No se pudo obtener el SPF de { $subject } ({ $term }): { $error }
    .explain = Los receptores obtienen temperror al llegar a este include.
    .fix = Revisa los servidores de nombres de { $subject }.
spf-loop = Bucle SPF: { $path }
    .explain = "{ $term }" en el registro de { $record_domain } vuelve a un registro que ya se está evaluando. La evaluación no puede terminar; los receptores se detienen en el límite de consultas con permerror.
    .fix = Quita el include/redirect que apunta hacia atrás.
spf-mx-too-many = "{ $subject }": { $host } tiene { $count } registros MX (límite 10)
    .explain = Un mecanismo mx no puede mirar más de 10 servidores MX (RFC 7208 §4.6.4); más es permerror.
    .fix = Usa rangos ip4/ip6 o un include.
spf-lookups-exceeded = El SPF necesita { $count } consultas DNS (límite { $limit })
    .explain = Contando cada include, a, mx, ptr, exists y redirect en todo el árbol de includes (el peor caso que un receptor puede evaluar), el registro necesita más de { $limit } consultas. Los receptores se detienen con permerror (RFC 7208 §4.6.4) y el SPF falla para el correo de los servidores listados al final.
    .fix = Aplana: sustituye includes por los rangos ip4/ip6 que contienen, quita proveedores que ya no usas o mueve remitentes a un subdominio con su propio registro.
spf-lookups = El SPF necesita { $count } de { $limit } consultas DNS (peor caso)
    .explain = Contadas en todo el árbol de include/redirect. Cerca del límite, añadir un proveedor más romperá el SPF.
    .fix = Deja margen: aplana los includes que controles.
spf-void-lookup = "{ $term }": { $target } no existe o no tiene dirección
    .explain = Una consulta que no devuelve nada (una "consulta vacía") no coincide con nada y gasta una de las dos consultas vacías que permiten los receptores (RFC 7208 §4.6.4).
    .fix = Quita "{ $term }" o corrige el nombre.
spf-void-exceeded = { $count } consultas vacías (límite { $limit })
    .explain = Los receptores se detienen con permerror tras más de { $limit } consultas que no devuelven nada (RFC 7208 §4.6.4).
    .fix = Quita los términos que apuntan a nombres inexistentes.
spf-ok = El registro SPF es válido
    .explain = "{ $record }"
spf-result = SPF para { $ip }: { $result }
    .explain = Evaluado como lo haría un receptor para correo de { $sender } enviado desde { $ip }. Término decisivo: { $term }. { $reason }
    .fix = { $result ->
        [fail] Añade { $ip } al registro SPF (ip4:/ip6:, o el include del proveedor al que pertenece).
        [softfail] Añade { $ip } al registro SPF.
        [neutral] Añade { $ip } al registro SPF y termínalo con ~all o -all.
        [none] Publica un registro SPF que incluya { $ip }.
        [permerror] Corrige los errores SPF de arriba; los receptores ignoran un registro roto.
       *[other] Revisa el DNS de los dominios del registro (fallo temporal).
    }

## DMARC

dmarc-none = Sin registro DMARC
    .explain = Sin DMARC (un TXT en _dmarc.{ $domain } o en su dominio organizativo), los receptores no aplican ninguna política al correo que falla SPF y DKIM, no recibes informes, y Gmail/Yahoo rechazan el correo masivo de dominios sin él.
    .fix = Empieza con "v=DMARC1; p=none; rua=mailto:dmarc@{ $domain }" en _dmarc.{ $domain }, lee los informes y pasa luego a quarantine y reject.
dmarc-v-not-first = El registro DMARC de { $location } no empieza por v=DMARC1
    .explain = "{ $record }": los receptores solo aceptan registros que empiezan por "v=DMARC1" (RFC 7489 §6.4); este se ignora, así que en la práctica el dominio no tiene DMARC.
    .fix = Pon "v=DMARC1;" al principio.
dmarc-lookup-failed = Falló la consulta DMARC: { $error }
    .explain = Los receptores no pueden aplicar su política mientras dure.
    .fix = Revisa los servidores de nombres del dominio.
dmarc-inherited = No hay registro en _dmarc.{ $domain }: se aplica la política de { $org_domain }
    .explain = Los receptores suben por el árbol DNS (RFC 9989 §4.10; el dominio organizativo del RFC 7489) y aplican el registro de { $org_domain } (su sp= para subdominios).
dmarc-multiple = { $count } registros DMARC en { $location }
    .explain = Más de un registro no es válido (RFC 7489 §6.6.3, RFC 9989 §4.10): los receptores consideran que el dominio no tiene DMARC.
    .fix = Deja exactamente un registro.
dmarc-syntax = Error DMARC: { $kind ->
        [bad-value] valor "{ $value }" no válido para { $tag }
        [duplicate] etiqueta { $tag } repetida
        [missing-semicolon] falta ";" después de { $tag }
        [bad-uri] el destino de { $tag } "{ $value }" no es una URI mailto:
        [v-not-first] v=DMARC1 no es la primera etiqueta
        [not-a-tag] "{ $value }" no es un par etiqueta=valor
       *[other] { $tag }={ $value }
    }
    .explain = { $kind ->
        [bad-value] { $tag ->
            [p] p debe ser none, quarantine o reject; con un p no válido los receptores ignoran el registro (o, con rua, lo tratan como p=none).
            [sp] sp debe ser none, quarantine o reject.
            [np] np debe ser none, quarantine o reject.
            [pct] pct debe ser un número de 0 a 100 (y el RFC 9989 lo elimina).
            [adkim] adkim debe ser r (relajado) o s (estricto).
            [aspf] aspf debe ser r (relajado) o s (estricto).
            [fo] fo admite 0, 1, d o s, separados por ":".
            [v] La versión debe ser exactamente DMARC1.
           *[other] El valor no está permitido para esta etiqueta.
        }
        [missing-semicolon] Las etiquetas se separan con ";". Aquí "{ $value }" se lee como un único valor y la etiqueta siguiente se pierde (a menudo p=, y el registro queda sin política).
        [bad-uri] Los destinos de informes deben ser URIs mailto: con una dirección, opcionalmente con límite de tamaño (mailto:dmarc@ejemplo.com!10m).
        *[other] Los receptores rechazan registros no válidos y pueden ignorar su política.
    }
    .fix = Corrige el registro en _dmarc.{ $domain }.
dmarc-unknown-tag = Etiqueta DMARC desconocida "{ $tag }"
    .explain = Los receptores ignoran las etiquetas que no conocen; una errata aquí pierde un ajuste sin avisar.
    .fix = Quítala o corrige cómo está escrita.
dmarc-no-policy = El registro DMARC no tiene una política p= válida
    .explain = { $has_rua ->
        [yes] Los receptores lo tratan como p=none porque tiene rua (RFC 7489 §6.6.3): sin protección.
       *[other] Sin p= ni rua, los receptores descartan el registro: no hay DMARC.
    }
    .fix = Añade "p=none" (supervisión), "p=quarantine" o "p=reject".
dmarc-pct-removed = Se usa pct={ $pct }; el RFC 9989 lo eliminó
    .explain = pct aplicaba la política a una parte del correo que falla. DMARCbis (RFC 9989) lo elimina (para pruebas usa t=y); los receptores que lo siguen ignoran pct y aplican la política completa.
    .fix = Quita pct; usa "t=y" mientras pruebas.
dmarc-removed-tag = { $tag }= está obsoleto
    .explain = El RFC 9989 eliminó rf y ri; los receptores los ignoran.
    .fix = Quita { $tag }=.
dmarc-policy-none = La política DMARC es p=none (solo supervisión)
    .explain = Los receptores envían informes pero no actúan sobre el correo que falla DMARC: el correo falsificado de { $domain } se sigue entregando.
    .fix = Cuando los informes muestren que tu correo legítimo pasa, cambia a p=quarantine y luego a p=reject.
dmarc-ok = Política DMARC p={ $policy } (alineación: DKIM { $adkim }, SPF { $aspf })
    .explain = El correo que falla la alineación de SPF y de DKIM se { $policy ->
        [reject] rechaza.
       *[other] pone en cuarentena (normalmente la carpeta de spam).
    }
dmarc-testing = DMARC está en modo de prueba (t=y)
    .explain = Los receptores aplican una política un nivel más débil (RFC 9989).
dmarc-no-rua = Sin dirección para informes agregados (rua=)
    .explain = Sin rua no recibes informes DMARC, así que no ves quién envía con tu dominio ni si tu correo pasa.
    .fix = Añade "rua=mailto:informes-dmarc@{ $domain }".
dmarc-external-authorized = { $destination } acepta informes DMARC de { $domain } ({ $tag })
    .explain = El destino externo publica el registro de autorización (RFC 7489 §7.1).
dmarc-external-unauthorized = { $tag } va a { $destination }, que no acepta informes de { $domain }
    .explain = Los informes a otro dominio solo se envían si ese dominio publica "v=DMARC1" en { $record_name } (RFC 7489 §7.1). No lo hace, así que los receptores descartan esos informes.
    .fix = Pide al operador de { $destination } que publique { $record_name } TXT "v=DMARC1", o envía los informes a una dirección de tu propio dominio.

## DKIM

dkim-cname = El selector { $selector } está delegado por CNAME a { $target }
    .explain = La clave la publica otro (normalmente tu proveedor de correo), que puede rotarla sin cambios en tu zona.
dkim-selector-missing = No hay clave DKIM en el selector { $selector }
    .explain = { $selector }._domainkey.{ $domain } no existe, así que el correo firmado con s={ $selector } falla DKIM.
    .fix = Publica la clave pública con la que firma tu servidor en { $selector }._domainkey.{ $domain }, o revisa el selector en la cabecera DKIM-Signature.
dkim-lookup-failed = No se pudo consultar el selector { $selector }: { $error }
    .explain = Los receptores obtienen un error temporal y pueden tratar la firma como temperror.
    .fix = Revisa los servidores de nombres del dominio.
dkim-not-a-key = El selector { $selector } tiene TXT pero no una clave DKIM
    .explain = El registro no tiene la etiqueta p=, así que no es una clave DKIM.
    .fix = Publica "v=DKIM1; k=rsa; p=<clave pública en base64>".
dkim-multiple = El selector { $selector } tiene { $count } registros de clave
    .explain = Los receptores pueden elegir cualquiera; la verificación se vuelve impredecible.
    .fix = Deja un registro por selector.
dkim-syntax = Clave DKIM { $selector }: { $kind ->
        [v-not-first] v= no es la primera etiqueta
        [bad-version] la versión "{ $what }" no es DKIM1
        [no-p] falta la etiqueta p=
        [bad-base64] la clave (p=) no es base64 válido
        [bad-key] la clave no es una clave pública { $what } válida
        [unknown-key-type] tipo de clave desconocido "{ $what }"
        [duplicate] etiqueta { $what } repetida
       *[other] registro mal formado ({ $what })
    }
    .explain = Los receptores no pueden usar un registro de clave mal formado: toda firma con este selector falla (RFC 6376 §3.6.1).
    .fix = Vuelve a publicar la clave tal como la exporta tu software de firma ("v=DKIM1; k=rsa; p=...").
dkim-revoked = La clave DKIM { $selector } está revocada (p= vacío)
    .explain = Un p= vacío significa que la clave se retiró: las firmas con este selector fallan.
    .fix = Si aún firmas con { $selector }, publica su clave pública actual; si no, deja de firmar con él.
dkim-testing = La clave DKIM { $selector } está en modo de prueba (t=y)
    .explain = Los receptores tratan los fallos como si el mensaje no estuviera firmado; la clave no protege.
    .fix = Quita t=y cuando la firma funcione.
dkim-sha1 = La clave DKIM { $selector } solo permite SHA-1 (h=sha1)
    .explain = El RFC 8301 prohíbe las firmas rsa-sha1; los receptores las rechazan.
    .fix = Firma con rsa-sha256 y quita h=sha1.
dkim-rsa-weak = La clave DKIM { $selector } tiene solo { $bits } bits
    .explain = Las claves RSA de menos de 1024 bits las rechazan los receptores (RFC 8301) y pueden factorizarse.
    .fix = Genera una clave de 2048 bits, publícala con un selector nuevo y cambia la firma a ella.
dkim-rsa-1024 = La clave DKIM { $selector } tiene { $bits } bits
    .explain = 1024 bits es el mínimo que aceptan los receptores (RFC 8301) y se considera débil; se recomiendan 2048.
    .fix = Rota a una clave de 2048 bits con un selector nuevo.
dkim-key-ok = Clave DKIM { $selector }: { $type }, { $bits } bits
    .explain = El registro de la clave es válido.
dkim-ed25519-only = El selector { $selector } es una clave Ed25519
    .explain = Ed25519 (RFC 8463) está bien, pero no todos los receptores la verifican aún; firma también con una clave RSA.
dkim-none-found = No se encontró clave DKIM en { $count } selectores comunes
    .explain = Las claves DKIM están en <selector>._domainkey.{ $domain } y el selector puede ser cualquier nombre; ninguno de los comunes tiene clave.
    .fix = Indica tu selector con --dkim-selector (es el s= de la cabecera DKIM-Signature de tu correo).

## MTA-STS

mta-sts-none = Sin registro MTA-STS
    .explain = Sin MTA-STS (RFC 8461), los remitentes usan STARTTLS sin autenticar y degradable al entregar a { $domain }.
    .fix = Publica _mta-sts.{ $domain } TXT "v=STSv1; id=AAAAMMDD01" y una política en https://mta-sts.{ $domain }/.well-known/mta-sts.txt (empieza con mode: testing).
mta-sts-lookup-failed = Falló la consulta MTA-STS: { $error }
    .explain = Mientras dure, los remitentes no saben si hay política.
    .fix = Revisa los servidores de nombres del dominio.
mta-sts-multiple = { $count } registros MTA-STS
    .explain = Con más de un registro v=STSv1, los remitentes deben considerar que el dominio no tiene política MTA-STS (RFC 8461 §3.1).
    .fix = Deja un solo registro.
mta-sts-txt-syntax = Registro MTA-STS: { $kind ->
        [bad-version] no empieza por v=STSv1
        [no-id] falta id=
        [bad-id] id no válido "{ $detail }"
       *[other] { $detail }
    }
    .explain = El id debe tener de 1 a 32 letras y dígitos (RFC 8461 §3.1); los remitentes ignoran un registro no válido y nunca ven los cambios de política.
    .fix = Usa un id como 20261127T000000 (solo letras y dígitos) y cámbialo cada vez que cambie la política.

## informes TLS

tls-rpt-none = Sin registro de informes TLS
    .explain = Sin _smtp._tls.{ $domain } (RFC 8460) no recibes informes de fallos TLS cuando otros te entregan correo.
    .fix = Publica _smtp._tls.{ $domain } TXT "v=TLSRPTv1; rua=mailto:tlsrpt@{ $domain }".
tls-rpt-lookup-failed = Falló la consulta TLS-RPT: { $error }
    .explain = Los remitentes no encuentran adónde informar.
    .fix = Revisa los servidores de nombres del dominio.
tls-rpt-multiple = { $count } registros TLS-RPT
    .explain = Con varios registros los remitentes no informan (RFC 8460 §3).
    .fix = Deja un solo registro.
tls-rpt-syntax = Registro TLS-RPT: { $kind ->
        [bad-uri] "{ $detail }" no es una URI mailto: ni https:
        [no-rua] falta rua=
        [bad-version] no empieza por v=TLSRPTv1
       *[other] { $detail }
    }
    .explain = Los destinos de informes deben ser URIs mailto: o https: (RFC 8460 §3); otros esquemas se ignoran y no llega ningún informe.
    .fix = Usa rua=mailto:... o rua=https://...
tls-rpt-ok = Los informes TLS están configurados
    .explain = "{ $record }"

## DANE

dane-lookup-failed = No se pudieron consultar o validar los TLSA de { $subject }: { $error }
    .explain = Los remitentes que validan DANE tratan una consulta TLSA fallida como error temporal y aplazan el correo.
    .fix = Revisa el DNS (y DNSSEC) de la zona de { $subject }.
dane-tlsa-invalid = Registro TLSA de { $host }: { $kind ->
        [bad-length] la longitud del resumen no corresponde al tipo de coincidencia
        [bad-usage] uso de certificado desconocido
        [bad-selector] selector desconocido
        [bad-matching] tipo de coincidencia desconocido
        [pkix-usage] el uso PKIX (0 o 1) no se usa en SMTP
       *[other] no válido
    } ({ $record })
    .explain = { $kind ->
        [pkix-usage] RFC 7672 §3.1.3: los remitentes SMTP consideran inutilizables los usos 0 y 1; usa 3 (DANE-EE) o 2 (DANE-TA).
       *[other] Un registro TLSA que no puede coincidir con ningún certificado hace que los remitentes que validan DANE se nieguen a entregar (aplazan el correo).
    }
    .fix = Publica "3 1 1 <SHA-256 de la clave pública del servidor>" (p. ej. con `openssl x509 -pubkey | openssl pkey -pubin -outform DER | sha256sum`).
dane-unsigned = Los registros TLSA de { $host } no están asegurados con DNSSEC ({ $why }): DANE no está en vigor
    .explain = RFC 7672 §2.2: los remitentes solo usan registros TLSA de respuestas validadas (seguras); estos se ignoran, y los servidores MX reciben TLS oportunista que un atacante puede eliminar.
    .fix = Firma la zona con DNSSEC y publica el DS en la zona padre.
dane-ok = DANE: { $count } registro(s) TLSA para { $host }, validados con DNSSEC
    .explain = Los registros de { $tlsa_name } están bien formados, y ellos, las direcciones del servidor y los MX son seguros: { $why }{ $validated ->
        [resolver] .
       *[other] , con ancla en { $anchor }.
    }
dane-tlsa-bogus = Los registros TLSA de { $host } no superan la validación DNSSEC: { $why }
    .explain = RFC 7672 §2.2: los remitentes que validan no pueden fiarse de los TLSA de este servidor y le aplazan el correo (para ellos es inutilizable) hasta que se corrijan las firmas.
    .fix = Vuelve a firmar la zona { $zone } (comprueba que el firmador funciona y que el DS coincide con la clave de firma de claves).
dane-tlsa-denial-bogus = La respuesta "no hay registros TLSA" para { $host } no supera la validación DNSSEC: { $why }
    .explain = { $zone } está firmada, así que un resolutor que valida espera una prueba firmada de que { $query } no existe; sin ella la respuesta es falsa: los remitentes DANE reciben SERVFAIL en la consulta TLSA y aplazan el correo hacia { $host }.
    .fix = Vuelve a firmar la zona { $zone } para que las respuestas negativas lleven sus registros NSEC/NSEC3 (revisa el firmador y el soporte DNSSEC de los servidores de nombres).
dane-mx-bogus = Los registros MX ({ $query }) no superan la validación DNSSEC: { $why }
    .explain = Los remitentes que validan reciben SERVFAIL al consultar el MX y aplazan todo el correo al dominio; nunca llegan a los TLSA de los servidores MX.
    .fix = Vuelve a firmar la zona { $zone } (comprueba que el firmador funciona y que el DS coincide con la clave de firma de claves).
dane-mx-insecure = DANE no está en vigor: los registros MX ({ $query }) no están asegurados con DNSSEC ({ $why })
    .explain = RFC 7672 §2.2.1: los TLSA de los servidores MX ({ $with }) solo protegen si los MX están validados; si no, un atacante puede sustituir el MX y los remitentes recurren a TLS oportunista.
    .fix = Firma la zona del dominio con DNSSEC y publica el DS en la zona padre.
dane-mx-unvalidated = No se pudo determinar el estado DNSSEC de los MX ({ $query }): { $why }
    .explain = Sin un conjunto MX validado, los remitentes no usan los TLSA de los servidores MX.
    .fix = Revisa el DNS (y DNSSEC) del dominio.
dane-address-bogus = Los registros de dirección de { $host } no superan la validación DNSSEC: { $why }
    .explain = Los remitentes que validan no pueden resolver el servidor MX (SERVFAIL) y le aplazan el correo; sus TLSA nunca se usan.
    .fix = Vuelve a firmar la zona { $zone } (comprueba que el firmador funciona y que el DS coincide con la clave de firma de claves).
dane-address-insecure = DANE no está en vigor para { $host }: sus registros de dirección no están asegurados con DNSSEC ({ $why })
    .explain = RFC 7672 §2.2.2: los remitentes solo buscan TLSA de servidores MX cuyas direcciones (y CNAME) son seguras; los TLSA publicados para { $host } se ignoran.
    .fix = Firma la zona que sirve las direcciones de { $host } (o haz que el MX apunte a un nombre de una zona firmada).
dane-none = Ningún servidor MX ({ $count }) tiene registros TLSA
    .explain = Sin DANE (RFC 7672), los remitentes usan TLS oportunista que un atacante puede eliminar. Requiere DNSSEC.
dane-partial = Solo { $with } de { $count } servidores MX tienen registros TLSA
    .explain = Los remitentes que usan DANE solo protegen la entrega a los servidores con TLSA.
    .fix = Publica registros TLSA para todos los servidores MX.

## BIMI

bimi-none = Sin registro BIMI
    .explain = BIMI (default._bimi.{ $domain }) permite a los buzones compatibles mostrar tu logotipo; es opcional.
bimi-multiple = { $count } registros BIMI
    .explain = Con varios registros no se muestra el logotipo.
    .fix = Deja un solo registro.
bimi-declined = BIMI está rechazado explícitamente (l= y a= vacíos)
    .explain = El dominio declara que no tiene logotipo.
bimi-syntax = Registro BIMI: { $kind ->
        [logo-not-https] la URL del logotipo no es HTTPS ({ $detail })
        [logo-not-svg] el logotipo no es un archivo SVG ({ $detail })
        [vmc-not-https] la URL del certificado (a=) no es HTTPS
        [bad-version] no empieza por v=BIMI1
        [duplicate] etiqueta { $detail } repetida
        [unknown-tag] etiqueta desconocida { $detail }
       *[other] { $detail }
    }
    .explain = Los buzones solo descargan el logotipo por HTTPS y solo en formato SVG Tiny PS; otros logotipos no se muestran.
    .fix = Publica l=https://.../logo.svg (SVG Tiny Portable/Secure).
bimi-no-vmc = El registro BIMI no tiene certificado (a=)
    .explain = La mayoría de grandes buzones (Gmail, Apple, Yahoo) solo muestran el logotipo con un Verified Mark Certificate.
bimi-dmarc-not-enforced = BIMI necesita DMARC en quarantine o reject (ahora: { $policy })
    .explain = Los buzones ignoran BIMI en dominios cuya política DMARC no se aplica.
    .fix = Cambia DMARC a p=quarantine o p=reject.
bimi-ok = El registro BIMI es válido (logotipo { $logo })
    .explain = El registro está bien formado.

## IP de envío

ip-address-special = { $ip } no es una dirección pública ({ $class ->
        [loopback] bucle local
        [private] privada
        [unspecified] no especificada
        [link-local] enlace local
        [cgn] NAT de operador, CGN
        [documentation] documentación
        [benchmark] pruebas de rendimiento
        [multicast] multicast
        [reserved] reservada
       *[other] { $class }
    })
    .explain = Los receptores de Internet nunca ven correo de esta dirección; las comprobaciones describen una instalación privada o de pruebas.
ip-lookup-failed = No se pudo consultar el PTR de { $ip }: { $error }
    .explain = Un fallo temporal; los receptores que comprueban el DNS inverso aplazan o rechazan el correo mientras tanto.
    .fix = Revisa los servidores de nombres de la zona inversa (normalmente de tu proveedor).
ip-ptr-missing = { $ip } no tiene DNS inverso (PTR)
    .explain = Muchos receptores (Gmail, Microsoft, muchos Postfix con reject_unknown_client_hostname) rechazan o mandan a spam el correo de direcciones sin PTR.
    .fix = Pide al dueño de la dirección (tu proveedor) que ponga un PTR con el nombre de tu servidor de correo, p. ej. mail.{ $domain }.
ip-ptr-multiple = { $ip } tiene varios registros PTR ({ $names })
    .explain = Los receptores eligen uno al azar; la confirmación directa puede fallar con los demás.
    .fix = Deja un solo registro PTR.
ip-fcrdns-mismatch = { $name } (PTR de { $ip }) no resuelve de vuelta a { $ip } (da { $forward })
    .explain = Falla el DNS inverso confirmado: el nombre del PTR debe tener un A/AAAA con la misma dirección. Los receptores consideran el nombre falso ("unknown" en los registros de Postfix).
    .fix = Añade un registro A/AAAA { $name } → { $ip }, o cambia el PTR a un nombre que resuelva a { $ip }.
ip-ptr-generic = { $name } parece un nombre genérico (dinámico o de grupo)
    .explain = Los nombres que incluyen la dirección o palabras como dyn/dhcp/pool son típicos de líneas de usuario final; muchos receptores rechazan su correo.
    .fix = Pon un PTR con el nombre de tu servidor (mail.{ $domain }) y un registro A que coincida.
ip-fcrdns-ok = { $ip } ↔ { $name }: DNS inverso confirmado
    .explain = El nombre del PTR resuelve de vuelta a la dirección.

## listas de bloqueo

blocklist-not-listed = No aparece en { $zone }
    .explain = { $target } no está en esta lista.
blocklist-listed = { $target } aparece en { $zone }: { $meaning }
    .explain = Los receptores que usan { $zone } rechazan o mandan a spam el correo de { $target } (códigos { $codes }).
    .fix = Encuentra y corta la causa (cuenta comprometida, relé abierto, equipo infectado, rango dinámico) y pide la baja en la web del operador de la lista.
blocklist-domain-listed = { $target } aparece en { $zone }: { $meaning }
    .explain = Los receptores que usan { $zone } rechazan o mandan a spam el correo que menciona { $target } (códigos { $codes }).
    .fix = Elimina la causa (web comprometida, redirección abusada, campaña de spam) y pide la baja al operador de la lista.
blocklist-query-error = { $zone } rechazó la consulta ({ $code }: { $meaning ->
        [public-resolver] se bloquean las consultas hechas a través de un resolutor público o abierto
        [over-limit] se superó el límite de consultas
        [typo-in-zone] el nombre de la lista es incorrecto
       *[other] consulta rechazada
    })
    .explain = La lista respondió con un código de error en 127.255.255.0/24, no con una inclusión: su resultado no dice nada de { $target }.
    .fix = Consulta la lista con tu propio resolutor (no 8.8.8.8/1.1.1.1), contrata un acceso a los datos o corrige el nombre de la zona.
blocklist-list-broken = { $zone } no pasó su autocomprobación ({ $why ->
        [test-not-listed] su entrada de prueba no aparece
        [lists-everything] incluye 127.0.0.1, es decir, todo
        [invalid-answer] responde fuera de 127.0.0.0/8
       *[other] respuestas inesperadas
    })
    .explain = RFC 5782 §5: una lista que funciona incluye su entrada de prueba (127.0.0.2) y nunca 127.0.0.1. Esta no se comporta así, por eso se ignoran sus respuestas en lugar de darlas como inclusiones.
    .fix = Quita { $zone } de tu configuración (puede estar muerta o responder a todo).
blocklist-lookup-failed = No se pudo consultar { $zone }: { $error }
    .explain = La lista no respondió, así que el resultado es desconocido.
mx-no-ptr = La dirección MX { $address } ({ $hosts }) no tiene DNS inverso
    .explain = Recibir no requiere PTR, pero los servidores MX suelen también enviar (rebotes, reenvíos, respuestas), y los receptores rechazan o mandan a spam el correo de direcciones sin DNS inverso.
    .fix = Pide al dueño de { $address } que ponga un PTR con el nombre del servidor y un registro A/AAAA que coincida.
mta-sts-fetch-failed = No se pudo descargar la política MTA-STS ({ $kind ->
        [resolve] nombre no resoluble
        [connect] falló la conexión
        [tls] error TLS/de certificado
        [timeout] tiempo agotado
       *[other] error HTTP
    }: { $detail })
    .explain = El registro TXT anuncia una política, pero { $url } no se puede descargar. Los remitentes sin una política en caché vuelven al TLS oportunista (RFC 8461 §3.3): el registro no protege nada.
    .fix = Sirve la política en { $url } por HTTPS con un certificado válido para mta-sts.{ $domain } (de confianza pública), o quita el registro _mta-sts.
mta-sts-redirect = La URL de la política MTA-STS redirige ({ $detail })
    .explain = RFC 8461 §3.3: los remitentes no deben seguir redirecciones al descargar la política, así que la descarga falla.
    .fix = Sirve la política directamente en { $url } (HTTP 200), sin redirección.
mta-sts-too-large = La política MTA-STS es demasiado grande ({ $detail })
    .explain = Los remitentes limitan el tamaño de la política (aquí 64 KB); una respuesta mayor suele ser una página de error.
    .fix = Sirve solo la pequeña política en texto.
mta-sts-http-status = La URL de la política MTA-STS responde HTTP { $detail }
    .explain = Solo 200 es una política (RFC 8461 §3.3); los remitentes tratan cualquier otra respuesta como si no hubiera política.
    .fix = Publica el archivo de la política en { $url }.
mta-sts-content-type = La política se sirve como { $content_type }, no text/plain
    .explain = El RFC 8461 §3.3 exige el tipo text/plain; los remitentes estrictos rechazan otros tipos.
    .fix = Configura el servidor web para enviar Content-Type: text/plain en mta-sts.txt.
mta-sts-policy-syntax = Política MTA-STS: { $kind ->
        [no-version] falta "version: STSv1"
        [bad-version] versión desconocida { $detail }
        [bad-mode] modo no válido "{ $detail }"
        [no-mode] falta mode
        [no-mx] falta la línea mx
        [bad-max-age] max_age no válido "{ $detail }"
        [no-max-age] falta max_age
        [bad-line] línea ilegible "{ $detail }"
       *[other] { $detail }
    }
    .explain = Los remitentes descartan una política no válida (RFC 8461 §3.2): mode debe ser enforce, testing o none; max_age como máximo 31557600; al menos un mx salvo con mode none.
    .fix = Corrige el archivo de la política en https://mta-sts.{ $domain }/.well-known/mta-sts.txt y cambia el id del registro TXT.
mta-sts-mx-mismatch = El servidor MX { $host } no coincide con la política MTA-STS ({ $patterns })
    .explain = { $mode ->
        [enforce] En modo enforce los remitentes se niegan a entregar a un servidor MX que la política no lista: el correo a { $host } se aplaza y luego rebota.
       *[other] En modo testing los remitentes entregan igualmente pero informan del fallo (TLS-RPT); en modo enforce este servidor se rechazaría.
    }
    .fix = Añade "mx: { $host }" (o un patrón *. que coincida) a la política y cambia el id del registro TXT.
mta-sts-ok = Política MTA-STS aplicada (max_age { $max_age } s, mx: { $patterns })
    .explain = Los remitentes compatibles con MTA-STS entregan solo por TLS validado a los servidores MX listados.
mta-sts-mode-testing = La política MTA-STS está en modo testing
    .explain = Los remitentes informan de los fallos (TLS-RPT) pero entregan igualmente; pasa a enforce cuando los informes estén limpios.
mta-sts-mode-none = El modo de la política MTA-STS es none
    .explain = La política está publicada pero desactivada.

## evidencias y detalles que no son respuestas DNS (LocalArg / Evidence::local)

dnssec-ev-trust-anchors = anclas de confianza
dnssec-ev-trust-anchor = ancla de confianza { $zone }
dnssec-ev-anchor-iana = claves raíz de IANA incorporadas KSK-2017, KSK-2024
ns-ev-at-each-server = { $name } { $type } en cada servidor
ns-ev-differ = difieren
spf-ev-tree = árbol include/redirect del SPF de { $domain }
spf-ev-tree-lookups = { $count } términos que consultan DNS (peor caso)
spf-ev-tree-line = { $head }: { $record ->
        [none] (sin registro SPF)
       *[other] { $record }
    } [{ $lookups } consultas]
spf-ev-result = resultado: { $result }
spf-ev-decided-by = decidido por: { $term }
spf-ev-reason = motivo: { $reason }
spf-ev-lookups = términos que consultan DNS evaluados: { $count }
spf-reason-lookups = más de { $limit } términos que consultan DNS
spf-reason-voids = más de { $limit } consultas vacías
spf-reason-too-deep = anidamiento include/redirect demasiado profundo
spf-reason-multiple = { $count } registros SPF en { $domain }
spf-reason-not-ascii = el registro SPF de { $domain } no es ASCII
spf-reason-syntax = error de sintaxis en el registro SPF de { $domain }: { $term } ({ $detail })
spf-reason-bad-target = el destino de { $term }, { $target }, no es válido
spf-reason-include-temperror = include:{ $target } dio temperror
spf-reason-include-unusable = include:{ $target } dio { $result } (ningún registro SPF utilizable)
spf-reason-redirect-none = redirect={ $target } no tiene registro SPF
spf-reason-too-many-mx = mx:{ $host } tiene { $count } registros MX (límite { $limit })
spf-detail-macro-char = el carácter { $value } no se admite en una macro
spf-detail-macro-unterminated = macro %{"{"} sin cerrar
spf-detail-macro-letter = letra de macro desconocida { $value }
spf-detail-macro-bad-char = carácter { $value } no válido en la macro
spf-detail-macro-digits = dígitos de macro no válidos { $value }
spf-detail-macro-zero = el transformador de macro 0 no está permitido
spf-detail-macro-invalid = macro no válida { $value }
spf-detail-macro-lone-percent = % suelto al final
spf-detail-empty-domain = dominio vacío
spf-detail-no-tld = { $value } no tiene etiqueta de primer nivel
spf-detail-bad-tld = { $value } no es una etiqueta de primer nivel válida
spf-detail-not-domain = { $value } no termina en un nombre de dominio
spf-detail-bad-prefix = longitud de prefijo IPv{ $family } no válida: { $value }
spf-detail-unexpected = { $value } inesperado
spf-detail-non-ascii = el registro contiene caracteres no ASCII
spf-detail-control-char = carácter de control { $value } en el registro (los términos se separan con espacios)
spf-detail-modifier-name = nombre de modificador no válido { $value }
spf-detail-modifier-twice = { $name }= aparece más de una vez
spf-detail-no-argument = { $term } no admite argumento aquí: { $value }
spf-detail-no-prefix = { $term } no admite longitud de prefijo
spf-detail-needs-domain = { $term }: necesita un dominio
spf-detail-needs-colon-domain = { $term } necesita :dominio
spf-detail-bad-argument = { $term } no admite { $value }
spf-detail-needs-address = { $term } necesita :dirección
spf-detail-not-ip = { $value } no es una dirección IPv{ $family }
spf-detail-unknown-mechanism = mecanismo desconocido { $value }
mta-sts-ev-no-address = { $host } no tiene dirección
mta-sts-ev-http-ok = HTTP 200 de { $addr }
mta-sts-ev-io-error = { $addr }: { $kind ->
        [refused] conexión rechazada
        [timeout] tiempo de conexión agotado
        [reset] conexión reiniciada
        [unreachable] inalcanzable
       *[other] { $error }
    }
