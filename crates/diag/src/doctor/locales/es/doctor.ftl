# mailway doctor — causas, consejos y etiquetas del informe (español).
# Una causa es `doctor-cause-<código>` (código con "_" cambiado por "-"): su valor es el título,
# `.sender` lo que puede hacer el remitente, `.admin` lo que puede hacer el administrador de correo.
# Registro: tuteo (tú), como el resto de mailway.

## causas a partir de las pruebas y del rebote

doctor-cause-destination-not-greeting = El servidor de destino acepta conexiones pero nunca saluda
    .sender = No hay nada mal de tu lado. Tu servidor sigue reintentando; si el mensaje caduca, vuelve a enviarlo más tarde o contacta con el destinatario por otra vía.
    .admin = El MTA remoto está sobrecargado, caído o aplicando tarpit: avisa al administrador del destinatario (postmaster@). Comprueba que tu IP no está en su lista de bloqueo; mantén una vida de cola suficiente (p. ej. maximal_queue_lifetime de Postfix).
doctor-cause-port25-blocked = El puerto 25 de salida está bloqueado desde este equipo
    .sender = Envía a través del servidor de envío de tu proveedor (puerto 587) en lugar de entregar directamente.
    .admin = Abre el TCP 25 de salida en el cortafuegos o pide al ISP/proveedor cloud que lo desbloquee, o usa un smarthost en 587/465.
doctor-cause-destination-unreachable = Los servidores de correo de destino no responden
    .sender = Espera y reenvía más tarde; si persiste, contacta con el destinatario por otra vía.
    .admin = Las conexiones TCP agotan el tiempo de espera: un cortafuegos las descarta o los equipos están caídos. Revisa la ruta desde tu servidor (traceroute -T -p 25) y avisa al administrador del destinatario.
doctor-cause-destination-refused = Los servidores de correo de destino rechazan las conexiones
    .sender = Reenvía más tarde; el servicio de correo del destinatario parece caído.
    .admin = Nada escucha en el puerto 25 de los MX: el MTA está detenido o los registros MX apuntan a equipos equivocados.
doctor-cause-domain-has-no-mail = El dominio del destinatario no puede recibir correo
    .sender = Revisa que la dirección no tenga errores (la parte del dominio).
    .admin = El dominio no existe, publica un MX nulo o sus MX no tienen dirección: corrige su DNS.
doctor-cause-mx-address-unroutable = Un servidor de correo del dominio del destinatario tiene una dirección que ningún servidor puede tener
    .sender = Espera o reenvía más tarde; si sigue fallando, avisa al destinatario por otra vía de que la dirección de su servidor de correo está mal.
    .admin = El registro A/AAAA de un servidor MX apunta a un rango de documentación, de pruebas de rendimiento, multicast o reservado: publica la dirección pública real del servidor (mailway check DOMINIO muestra cada dirección MX).
doctor-cause-dns-failure = El DNS del destinatario está fallando
    .sender = Espera: la entrega se reintenta automáticamente.
    .admin = La consulta MX falla (SERVFAIL o tiempo agotado): revisa los servidores de nombres del dominio y DNSSEC.
doctor-cause-greylisting = El destino aplica listas grises a los remitentes nuevos
    .sender = No hay nada que hacer: la demora es normal y el reintento se acepta.
    .admin = Asegúrate de que tu servidor reintenta desde la misma IP en pocos minutos (Postfix lo hace).
doctor-cause-tls-problem = Un problema de TLS o de certificado en el destino
    .sender = Avisa al destinatario de que el certificado de su servidor de correo necesita atención.
    .admin = Renueva el certificado, corrige los registros TLSA (DANE) o la discrepancia de nombre; mientras tanto, los remitentes que verifican aplazan el correo.
doctor-cause-user-unknown = La dirección del destinatario no existe
    .sender = Revisa que la dirección no tenga errores y pide al destinatario la correcta. No vuelvas a enviar a la misma dirección.
    .admin = Quita la dirección de tus listas; si debería existir, revisa las tablas de usuarios del servidor destinatario.
doctor-cause-mailbox-full = El buzón del destinatario está lleno
    .sender = Avisa al destinatario por otra vía y reenvía más tarde.
    .admin = No hay nada que hacer del lado del envío.
doctor-cause-message-too-big = El mensaje es más grande de lo que acepta el destino
    .sender = Envía adjuntos más pequeños o un enlace.
    .admin = Compara el tamaño del mensaje con el límite SIZE del destino (lo muestra la prueba).
doctor-cause-sender-blocked = El destino bloquea tu servidor o tu mensaje
    .sender = Contacta con el destinatario por otra vía y reenvía el rebote a tu administrador de correo.
    .admin = Ejecuta `mailway check` sobre tu dominio y tu IP de envío (PTR/FCrDNS, SPF, DKIM, DMARC, listas de bloqueo) y luego pide la exclusión de las listas.
doctor-cause-expired = La entrega falló una y otra vez hasta que el mensaje caducó
    .sender = Vuelve a enviar el mensaje; si falla de nuevo, contacta con el destinatario por otra vía.
    .admin = Busca en los registros del servidor de envío el motivo de cada aplazamiento (`mailway logs trace`).
doctor-cause-delivery-delayed = La entrega se está retrasando: el servidor de envío sigue reintentando
    .sender = Espera: el mensaje sigue en cola y se reintenta automáticamente. No lo envíes de nuevo ahora (llegaría dos veces); solo si recibes un aviso de fallo definitivo, vuelve a enviarlo o contacta con el destinatario por otra vía.
    .admin = Busca en los registros el motivo de aplazamiento de cada intento (`mailway logs trace`) y prueba el destino (`mailway probe DOMAIN`); los mensajes próximos a caducar aparecen en `mailway logs summary`.
doctor-cause-destination-ok-now = El destino funciona ahora: el fallo fue temporal
    .sender = Vuelve a enviar el mensaje.
    .admin = Ahora no hay nada roto; si vuelve a ocurrir, haz una prueba mientras sucede.
doctor-cause-rejected = El destino rechazó el mensaje
    .sender = Lee abajo la respuesta del servidor y reenvía el rebote a tu administrador de correo.
    .admin = Usa `mailway explain` con el código de diagnóstico para ver los detalles.
doctor-cause-rate-limited = El destino limita la velocidad a la que tu servidor le envía
    .sender = No se ha perdido nada: tu servidor reintenta por sí solo. Envía los envíos masivos en lotes más pequeños.
    .admin = Reduce la concurrencia y el ritmo hacia este destino (Postfix: smtp_destination_concurrency_limit, smtp_destination_rate_delay), reparte el correo masivo en el tiempo y calienta las IP nuevas; `mailway logs summary` muestra los aplazamientos por destino.
doctor-cause-mailbox-disabled = El buzón del destinatario está desactivado o suspendido
    .sender = Contacta con el destinatario por otra vía (teléfono, otra dirección); no sigas reenviando a esta dirección.
    .admin = Nada en el lado del envío; si sigue fallando, quita la dirección de tus listas.
doctor-cause-destination-error = El servidor de correo de destino tiene un problema interno
    .sender = No hay nada mal de tu lado: vuelve a enviarlo más tarde o contacta con el destinatario por otra vía.
    .admin = El servidor remoto informó de un error propio (disco lleno, configuración, software): avisa al administrador del destinatario (postmaster@) y sigue reintentando.
doctor-cause-relay-denied = Un servidor se negó a retransmitir el mensaje al dominio del destinatario
    .sender = Revisa si hay erratas en el dominio de la dirección; si envías a través de tu proveedor, comprueba que tu programa de correo se autentica para enviar (autenticación SMTP).
    .admin = El mensaje llegó a un servidor que no gestiona el dominio del destinatario: revisa los registros MX del dominio (`mailway check DOMAIN`), la configuración de transport/relayhost y que los clientes se autentiquen en el envío.
doctor-cause-address-moved = El destinatario tiene una dirección nueva
    .sender = Envía el mensaje a la dirección nueva que indica el rebote y actualiza tu libreta de direcciones.
    .admin = Actualiza listas y alias con la dirección nueva.
doctor-cause-content-rejected = El destino rechazó el contenido del mensaje
    .sender = Quita o comprime los adjuntos sospechosos (ejecutables, macros), acorta los enlaces y vuelve a enviarlo; o envía un mensaje sencillo preguntando cómo compartir el archivo.
    .admin = Mira qué objetó el filtro del destino (el texto de la respuesta), revisa el correo saliente en busca de malware y asegúrate de que los mensajes llevan firmas DKIM válidas.
doctor-cause-not-compliant = El destino rechazó el mensaje por no seguir los estándares del correo
    .sender = Prueba con otro programa de correo o con el correo web; reenvía el rebote a tu administrador de correo.
    .admin = Revisa el software de envío: cabeceras obligatorias (From, Date, Message-ID), longitud de línea, LF sueltos, datos de 8 bits sin 8BITMIME, MIME mal formado; actualízalo.
doctor-cause-suppressed = El servicio de envío no lo intentó: la dirección está en su lista de supresión
    .sender = Revisa la dirección; si vuelve a funcionar, pide a tu administrador de correo que la quite de la lista de supresión.
    .admin = Rebotes o quejas anteriores pusieron la dirección en la lista de supresión del proveedor: quítala de ahí solo si la dirección vuelve a ser válida.
doctor-cause-complaint = El destinatario marcó tu mensaje como spam
    .sender = No envíes más mensajes de este tipo a este destinatario.
    .admin = Quita al destinatario de la lista, revisa cómo se obtuvieron las direcciones (doble confirmación) y que cada mensaje tenga un enlace de baja que funcione.
doctor-cause-deferred = El destino aplazó el mensaje (un rechazo temporal)
    .sender = Espera: tu servidor reintenta por sí solo, normalmente durante 1 a 5 días.
    .admin = Lee abajo la respuesta del servidor; `mailway explain` sobre ella explica qué significa.
doctor-cause-auto-reply = Es una respuesta automática (fuera de la oficina), no un fallo
    .sender = Tu mensaje se entregó; el buzón del destinatario respondió por sí solo. Lee la respuesta para saber cuándo vuelve o a quién dirigirte.
    .admin = Nada que arreglar: las respuestas automáticas (RFC 3834) no son rebotes; no las cuentes como fallos.
doctor-cause-forwarding-blocked = Tu propia organización bloquea el reenvío automático hacia fuera
    .sender = Reenvía el mensaje a mano; para seguir reenviando automáticamente, pide a tu administrador que lo permita para tu buzón y revisa tus reglas de la bandeja de entrada por si hay reenvíos que no configuraste.
    .admin = Permite el reenvío externo solo donde haga falta (Microsoft 365: directiva de filtro de correo no deseado saliente, reenvío automático; o un ajuste de dominio remoto) y busca reglas de reenvío que nadie pidió.
doctor-cause-resolver-unreachable = El resolutor DNS de este equipo no responde ({ $servers })
    .sender = No se pudo comprobar nada en vivo (DNS, los servidores del destino): lo que sigue sale solo del rebote o del registro. Vuelve a ejecutar el diagnóstico desde un equipo con DNS que funcione.
    .admin = Revisa /etc/resolv.conf (o el --resolver indicado), que el resolutor esté en marcha y que los puertos UDP y TCP 53 hacia él estén abiertos; luego vuelve a ejecutar el diagnóstico.

## causas a partir de la comprobación del dominio del destinatario

doctor-cause-domain-check-errors = { $domain } tiene errores de DNS o de autenticación de correo
    .sender = Reenvía este diagnóstico al administrador de correo del destinatario.
    .admin = Corrige los errores que lista `mailway check { $domain }` (cada uno indica su solución).

## causas a partir de la IP de envío (mailway check --ip del dominio del remitente)

doctor-cause-sending-ip-listed = Tu IP de envío { $ip } figura en una lista de bloqueo DNS
    .sender = Reenvía este diagnóstico a tu administrador de correo; mientras tanto, envía a través de otro servidor.
    .admin = Averigua por qué se incluyó { $ip } en la lista (relay abierto, cuenta comprometida, spam), corrígelo y pide la exclusión en cada lista; vuelve a comprobarlo con `mailway check --ip { $ip } { $domain }`.
doctor-cause-sending-ip-no-fcrdns = Tu IP de envío { $ip } no tiene un DNS inverso correcto (PTR/FCrDNS)
    .sender = Reenvía este diagnóstico a tu administrador de correo.
    .admin = Pide a quien te asigna { $ip } (tu ISP o proveedor cloud) un PTR con el nombre de tu servidor de correo, y haz que ese nombre resuelva de vuelta a { $ip }.
doctor-cause-sending-ip-not-in-spf = El SPF de { $domain } no autoriza tu IP de envío { $ip }
    .sender = Reenvía este diagnóstico a tu administrador de correo.
    .admin = Añade { $ip } (o su servidor, con ip4:/a:/include:) al registro SPF de { $domain }.

## explicaciones y pruebas

doctor-tarpit-retry-until = ; tu servidor seguirá reintentando hasta { $until }
doctor-tarpit-not-your-fault = ; no hay nada mal de tu lado
doctor-ok-now = todos los MX responden con normalidad ahora; los tiempos agotados del rebote fueron pasajeros
doctor-ev-bounce = rebote: { $recipient } { $action } { $status }{ $diagnostic }
doctor-ev-probe = prueba: { $message }
doctor-ev-check = comprobación: { $title } — { $explanation }
doctor-ev-sending-ip = IP de envío { $ip }: { $source }
doctor-ev-log = registro: { $line }
doctor-ev-log-more = registro: … { $count } intentos más …
doctor-ev-log-in-queue = registro: { $recipient } en la cola { $queue } ({ $deferrals } aplazamientos)
doctor-ev-queue = cola: { $recipient } en la cola { $queue } ({ $state }), llegó hace { $age }
doctor-ev-queue-reason = cola: último motivo: { $reason }
doctor-ev-queue-attempts = cola: { $count } intentos de entrega hasta ahora

## de dónde salen la IP de envío y el dominio del remitente

doctor-ip-from-received = Received: from { $from }[{ $ip }] by { $by } (el registro que hizo el servidor receptor de la IP que le envió el mensaje)
doctor-ip-from-reporting-mta = el Reporting-MTA { $name } (el servidor de envío) resuelve a { $addresses }
doctor-ip-from-flag = indicada con --ip
doctor-sender-from-x-postfix-sender = X-Postfix-Sender
doctor-sender-from-return-path = Return-Path del mensaje devuelto
doctor-sender-from-from = From del mensaje devuelto
doctor-sender-from-bounce-to = To del rebote
doctor-sender-from-log = remitente del sobre en el registro
doctor-sender-from-queue = remitente del sobre en la cola

## etiquetas del informe

doctor-ui-title = Diagnóstico de { $input }
doctor-ui-recipient = destinatario
doctor-ui-sending-ip = IP de envío
doctor-ui-sender-domain = dominio del remitente
doctor-ui-note = nota
doctor-ui-no-cause = No se encontró ninguna causa: todo lo comprobado funciona.
doctor-ui-likelihood = probabilidad
doctor-ui-likelihood-high = alta
doctor-ui-likelihood-medium = media
doctor-ui-likelihood-low = baja
doctor-ui-sender = Remitente
doctor-ui-admin = Administrador
doctor-ui-action-failed = fallido
doctor-ui-action-delayed = retrasado
doctor-ui-action-delivered = entregado
doctor-ui-action-relayed = reenviado
doctor-ui-action-expanded = expandido
