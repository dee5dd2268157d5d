# mailway probe — textos de los hallazgos y etiquetas del informe (español).
# Id del mensaje = "probe-" + el código del hallazgo con "_" cambiado por "-" (las variantes añaden un sufijo).
# Registro: tuteo (tú), como el resto de mailway.

## MX y direcciones

probe-null-mx = { $name } publica un MX nulo ("0 .", RFC 7505): no acepta ningún correo
probe-null-mx-mixed = { $name } mezcla un MX nulo (".") con otros registros MX, lo que la RFC 7505 §3 declara inválido
probe-no-mx = { $name } no tiene registro MX; los remitentes usan su propio A/AAAA (RFC 5321 §5.1)
probe-nxdomain = { $name } no existe en el DNS (NXDOMAIN): el correo hacia él rebota como host desconocido
probe-mx-lookup-failed = la consulta MX de { $name } falló ({ $error }): los remitentes aplazan y reintentan; revisa los servidores de nombres del dominio
probe-mx-lookup-failed-no-answer = la consulta MX de { $name } no obtuvo respuesta ({ $error }): puede que el resolutor que usa este equipo esté caído o sea inalcanzable (revisa /etc/resolv.conf o --resolver); si otros nombres se resuelven, los servidores de nombres del dominio no responden, y los remitentes aplazan y reintentan
probe-mx-lookup-failed-refused = el resolutor rechazó la consulta MX de { $name } ({ $error }): no resuelve nombres para este equipo (revisa /etc/resolv.conf o --resolver)
probe-address-lookup-failed = { $host }: { $error }
probe-tlsa-lookup-failed = la consulta TLSA { $name } falló ({ $error }): los remitentes que verifican DANE aplazan el correo cuando no pueden resolver TLSA

## resultado de la conexión

probe-tarpit = { $label } acepta la conexión TCP pero nunca envía su saludo (tras esperar { $waited }) — la causa clásica de "4.4.7 delivery time expired": el servidor está sobrecargado o caído, o un filtro aplica tarpit a este cliente
probe-connect-timeout = { $label } no responde a la conexión TCP (sin respuesta en { $waited }): un cortafuegos de alguno de los dos lados descarta los paquetes, o el equipo está caído
probe-timeout = { $label } dejó de responder en la fase de { $phase } (tras esperar { $waited })
probe-refused = { $label } rechaza la conexión: nada escucha en el puerto { $port } (el servidor de correo está caído, o no es un servidor de correo)
probe-ipv6-unavailable = { $label }: IPv6 no se puede usar desde este equipo ({ $error }); desde aquí solo se pueden probar direcciones IPv4
probe-unreachable = { $label } es inalcanzable: { $error }
probe-not-routable = { $label } es { $class ->
        [unspecified] la dirección no especificada
        [documentation] una dirección de documentación (RFC 5737 / RFC 3849)
        [benchmark] una dirección de pruebas de rendimiento (RFC 2544)
        [multicast] una dirección multicast
       *[other] una dirección reservada
    }: ahí no puede haber ningún servidor de correo, así que no se sondeó; hay que corregir el registro A/AAAA del servidor (mailway check DOMINIO lo muestra)
probe-reset = { $label } reinició la conexión en la fase de { $phase } — un servidor que falla, un límite de conexiones o un equipo intermedio
probe-closed = { $label } cerró la conexión en la fase de { $phase }
probe-not-smtp = { $label } no habla SMTP correctamente en la fase de { $phase }: { $error }
probe-tls-failed = { $label }: falló la negociación TLS: { $error }
probe-starttls-required-missing = { $label } no ofrece STARTTLS, y se pidió --tls required
probe-rejected = { $label } rechaza el servicio en la fase de { $phase }: { $error }
probe-other = { $label }: { $error }

## saludo, capacidades, TLS

probe-banner-ptr-mismatch = { $label } se presenta como "{ $banner }" pero el PTR de la dirección es { $ptr }
probe-no-ptr = { $address } no tiene un registro PTR utilizable ({ $error }); muchos receptores desconfían de esos equipos
probe-no-starttls = { $label } no ofrece STARTTLS: el correo hacia él viaja sin cifrar
probe-size-limit = { $label } acepta mensajes de hasta { $bytes } bytes ({ $mb } MB)
probe-cert-expired = { $label }: el certificado ({ $subject }) caducó el { $date } — los remitentes que verifican (MTA-STS, DANE) no entregarán
probe-cert-expires-soon = { $label }: el certificado caduca en { $days } días
probe-cert-name-mismatch = { $label }: el certificado ({ $subject }, SANs: { $sans }) no nombra a { $name }
probe-cert-valid = { $label }: { $version } con un certificado válido para { $name } (PKI web)
probe-cert-untrusted = { $label }: el certificado no se valida contra las raíces de la PKI web ({ $problem }); vale para TLS oportunista, es fatal para MTA-STS
probe-dane-match = { $label }: el certificado coincide con el registro TLSA { $matched } en { $name }; los registros TLSA son seguros con DNSSEC ({ $why })
probe-dane-match-unvalidated = { $label }: el certificado coincide con el registro TLSA { $matched } en { $name }, pero la respuesta TLSA no está validada con DNSSEC ({ $why }): los remitentes no aplican DANE con ella (RFC 7672 §2.2)
probe-dane-mismatch = { $label }: hay registros TLSA en { $name } pero ninguno coincide con el certificado: los remitentes que verifican DANE (Postfix con dane, Exim) aplazarán el correo (4.7.5)
probe-dane-mismatch-insecure = { $label }: hay registros TLSA en { $name } pero ninguno coincide con el certificado; no están validados con DNSSEC ({ $why }), así que hoy los remitentes los ignoran, y aplazarán el correo (4.7.5) en cuanto la zona esté firmada
probe-dane-unusable = { $label }: los registros TLSA en { $name } solo usan usos PKIX (0/1), que los remitentes SMTP ignoran (RFC 7672 §3.1.3)
probe-dane-bogus = { $label }: los registros TLSA en { $name } no superan la validación DNSSEC ({ $why }): los remitentes que validan (Postfix con dane, Exim) no pueden fiarse de ellos y aplazan el correo a este servidor (4.7.5)

## MAIL, RCPT, listas grises

probe-mail-rejected = { $label } rechaza al remitente: { $reply }
probe-rcpt-rejected = { $label } rechaza al destinatario: { $reply }
probe-rcpt-accepted = { $label } acepta al destinatario: { $reply }
probe-greylisting-no-retry = { $label } aplica lista gris: "{ $first }" (reintento desactivado con --greylist-wait 0); un remitente real es aceptado en un reintento posterior
probe-greylisting-passed = { $label } aplica lista gris: el primer RCPT recibió "{ $first }", el reintento tras { $wait } s fue aceptado ({ $retry }) — retrasos de minutos son normales para remitentes nuevos
probe-greylisting-still-refused = { $label } aplica lista gris: el primer RCPT recibió "{ $first }", y el reintento tras { $wait } s siguió rechazado ({ $retry }); su espera de lista gris es más larga
probe-greylisting-retry-failed = { $label } aplica lista gris: el primer RCPT recibió "{ $first }"; el reintento tras { $wait } s falló: { $error }

## informe completo

probe-port25-blocked = el puerto { $port } de salida parece bloqueado desde este equipo (cortafuegos o ISP): todas las direcciones agotaron el tiempo en el puerto { $port }, mientras que { $answered }
probe-port25-connected = { $address } puerto { $port } (conectó)
probe-port25-answered = { $address } puerto { $port } (rechazado: el equipo respondió)
probe-hosts-silent = todas las direcciones agotaron el tiempo en el puerto { $port } y también en los puertos { $ports }: los equipos están caídos o inalcanzables desde aquí (no solo el puerto { $port } bloqueado)
probe-no-working-mx = ninguna de las { $count } dirección(es) completó una conversación SMTP en el puerto { $port }: el correo a { $name } no se puede entregar desde aquí ahora
probe-some-mx-failing = { $ok } de { $count } dirección(es) funcionan; los remitentes reintentan primero las demás y pueden sufrir retrasos
probe-smtp-ok = { $ok } dirección(es) respondieron SMTP en el puerto { $port }

## detalles de la línea de tiempo

probe-detail-starttls = listo para iniciar TLS
probe-detail-bye = adiós
probe-detail-timeout = sin respuesta en { $after } (fase de { $phase })

## etiquetas del informe

probe-ui-title = Prueba { $what }, puerto { $port }
probe-ui-domain = del dominio de correo { $name }
probe-ui-host = del equipo { $name }
probe-ui-address = de la dirección { $ip }
probe-ui-mx = MX: { $list }
probe-ui-mx-implicit = MX: ninguno (se usa el A/AAAA del propio dominio)
probe-ui-mx-failed = MX: la consulta falló: { $error }
probe-ui-address-lookup = consulta de direcciones: { $error }
probe-ui-ptr-none = ninguno
probe-ui-col-at = en
probe-ui-col-phase = fase
probe-ui-col-code = cód.
probe-ui-col-took = duró
probe-ui-col-detail = detalle
probe-ui-retry-note = (* = reintento por lista gris en una conexión nueva)
probe-ui-certificate = certificado
probe-ui-sans = SANs
probe-ui-issuer = emisor
probe-ui-valid = validez
probe-ui-name = nombre
probe-ui-webpki = PKI web
probe-ui-none = (ninguno)
probe-ui-self-signed = (autofirmado)
probe-ui-expired = CADUCADO
probe-ui-not-yet-valid = AÚN NO VÁLIDO
probe-ui-days-left = quedan { $days } días
probe-ui-matches = coincide
probe-ui-no-match = NO coincide
probe-ui-pki-valid = válido
probe-ui-pki-invalid = no válido ({ $problem })
probe-ui-dnssec-secure = seguro
probe-ui-dnssec-insecure = inseguro
probe-ui-dnssec-bogus = inválido
probe-ui-dnssec-indeterminate = indeterminado
probe-ui-dnssec-no-data = sin datos
probe-dnssec-secure-why = { $why }{ $anchor ->
        [none] {""}
       *[other] {" "}{ $anchor }
    }, zona { $zone }
probe-ui-pki-not-checked = no comprobado
probe-ui-port-check = Comprobación del puerto { $port } (todas las direcciones agotaron el tiempo en él):
probe-ui-findings = Hallazgos:
probe-ui-total = (total { $ms } ms)
probe-ui-transcript = Transcripción { $host } [{ $address }]:
probe-ui-sev-error = ERROR
probe-ui-sev-warning = AVISO
probe-ui-sev-info = info
probe-ui-sev-ok = ok

## nombres de las fases (línea de tiempo y hallazgos)

probe-phase-connect = conexión
probe-phase-greeting = saludo
probe-phase-ehlo = EHLO
probe-phase-helo = HELO
probe-phase-starttls = STARTTLS
probe-phase-tls-handshake = negociación TLS
probe-phase-auth = AUTH
probe-phase-mail = MAIL FROM
probe-phase-rcpt = RCPT TO
probe-phase-data-init = DATA
probe-phase-data-block = envío de datos
probe-phase-data-term = fin de DATA
probe-phase-rset = RSET
probe-phase-noop = NOOP
probe-phase-quit = QUIT

## resultado de un paso fallido (en mayúsculas en la línea de tiempo)

probe-outcome-timed-out = SIN RESPUESTA
probe-outcome-refused = RECHAZADA
probe-outcome-unreachable = INALCANZABLE
probe-outcome-reset = REINICIADA
probe-outcome-closed = CERRADA
probe-outcome-tls = ERROR TLS
probe-outcome-protocol = ERROR DE PROTOCOLO
probe-outcome-io = ERROR DE E/S
probe-outcome-rejected = RECHAZADO
probe-outcome-not-supported = NO ADMITIDO
probe-outcome-tls-unavailable = SIN STARTTLS
probe-outcome-invalid-input = ENTRADA NO VÁLIDA
probe-outcome-not-routable = NO ENRUTABLE

## resultado de un intento de la comprobación del puerto 25

probe-alt-ok = conecta
probe-alt-refused = rechazada
probe-alt-unreachable = inalcanzable
probe-alt-timed-out = sin respuesta

## veredictos DANE

probe-dane-verdict-match = coincide
probe-dane-verdict-no-match = no coincide
probe-dane-verdict-unusable = inutilizable
probe-dane-verdict-no-records = sin registros
probe-dane-verdict-lookup-failed = la consulta falló

## errores en la línea de tiempo y en los hallazgos

probe-detail-connected = conectado
probe-detail-helo-only = solo HELO (sin extensiones ESMTP)
probe-error-refused = { $addr } rechazó la conexión
probe-error-unreachable = { $addr } es inalcanzable: { $error }
probe-error-not-routable = { $addr } es { $class ->
        [unspecified] la dirección no especificada
        [documentation] una dirección de documentación (RFC 5737 / RFC 3849)
        [benchmark] una dirección de pruebas de rendimiento (RFC 2544)
        [multicast] una dirección multicast
       *[other] una dirección reservada
    }: no se sondeó
probe-error-reset = el otro extremo reinició la conexión en la fase de { $phase }
probe-error-closed = el otro extremo cerró la conexión en la fase de { $phase }
probe-error-closed-partial = el otro extremo cerró la conexión en la fase de { $phase } tras una línea incompleta { $partial }
probe-error-tls = fallo de TLS en la fase de { $phase }: { $error }
probe-error-protocol = error de protocolo en la fase de { $phase }: { $error } (bytes problemáticos: { $bytes })
probe-error-io = error de E/S en la fase de { $phase }: { $error }
probe-error-rejected = { $command } rechazado: { $reply }
probe-error-not-supported = el servidor no admite { $extension }
probe-error-no-address = { $host } no tiene ningún registro A ni AAAA

# Web-PKI validation problems (CertValidation::Invalid's `problem`, `_` written as `-`)
probe-pki-unknown-issuer = emisor desconocido: no lo firma una raíz de confianza (autofirmado, o falta un certificado intermedio)
probe-pki-expired = caducado
probe-pki-not-valid-yet = aún no es válido
probe-pki-not-valid-for-name = no vale para este nombre de host
probe-pki-bad-signature = firma incorrecta
probe-pki-revoked = revocado
probe-pki-bad-encoding = certificado mal codificado
probe-pki-invalid-purpose = no emitido para autenticar servidores
probe-pki-ca-used-as-end-entity = un certificado de CA servido como el del propio servidor
probe-pki-other = error del validador: { $error }
