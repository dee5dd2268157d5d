# Notas propias de cada proveedor (claves de data/providers.toml: provider-<clave>). Español.
# Registro: tuteo (tú), como el resto de mailway.
provider-postmaster = { $provider } publica instrucciones para remitentes: { $url }

provider-ms-447-expired = Microsoft 365 / Exchange: 4.4.7 «QUEUE.Expired» significa que Exchange siguió reintentando hasta que el mensaje caducó (unas 24 horas en Exchange Online, 2 días por defecto en Exchange Server). Los datos «LastError» o «LastAttemptedServerName» del rebote indican el problema real, normalmente en el destino.
provider-ms-4316 = Microsoft 365: 4.4.316 / 5.4.316 significa que el servidor de destino rechazó la conexión (error de socket 10061) en cada intento. El servidor de correo de destino está caído o tras un cortafuegos; la culpa no es de Microsoft 365.
provider-ms-4312 = Microsoft 365: 4.4.312 / 5.4.312 «DNS query failed» significa que el DNS del dominio del destinatario no respondió o no tiene un registro MX utilizable.
provider-ms-4317 = Microsoft 365: este código trata de TLS hacia el destino: exige STARTTLS (MTA-STS, DANE o un ajuste del conector) y falló el TLS o el certificado del destino.
provider-ms-4318 = Microsoft 365: 4.4.318 / 5.4.318 significa que el servidor remoto cerró la conexión de golpe; si se repite, termina caducando.
provider-ms-7606 = Microsoft (Outlook.com / Microsoft 365): 5.7.606–5.7.649 significa que la IP de envío está vetada. Pide la exclusión en https://sender.office.com después de corregir la causa.
provider-ms-7708 = Microsoft 365: 5.7.700–5.7.750 significa que el inquilino (tenant) de envío fue bloqueado por tráfico sospechoso (a menudo una cuenta comprometida o dominios sin verificar). Un administrador de ese inquilino debe contactar con el soporte de Microsoft.
provider-ms-750x = Microsoft: 4.7.500–4.7.699 «Access denied, please try again later» es una limitación temporal del tráfico sospechoso de la IP de envío; se levanta sola si el tráfico es legítimo.
provider-ms-7509 = Microsoft: 5.7.509 / 5.7.515 significa que el dominio del remitente no pasó DMARC o no cumple los requisitos de autenticación de Microsoft para envíos masivos (SPF, DKIM y DMARC deben pasar y estar alineados).
provider-ms-7511 = Microsoft: 5.7.511 / 5.7.513 significa que el remitente (o su IP) está en una lista de bloqueo, de Microsoft o de la propia organización destinataria.
provider-ms-s3150 = Outlook.com: S3150 / S3140 significa que el rango de IP de envío está en la lista de bloqueo de Microsoft. Usa el formulario de soporte a remitentes de Outlook.com para pedir una solución.
provider-ms-s3115 = Outlook.com: el servidor de envío abrió demasiadas conexiones o envió demasiado rápido (S3115/S3114/S775). Baja la concurrencia hacia los servidores de Microsoft.
provider-ms-511 = Microsoft 365: RESOLVER.ADR.RecipientNotFound significa que la dirección no existe en la organización del destinatario (directorio de Exchange).
provider-ms-7-1-service = Microsoft: 5.7.1 «Service unavailable; Client host blocked» significa que la organización destinataria o Microsoft bloquean la IP de envío.
provider-ms-ou002 = Outlook.com: los códigos OU-00x significan que Microsoft limita temporalmente la IP de envío por su reputación; envía menos y atiende las quejas.
provider-ms-2122 = Microsoft 365: el destinatario recibió demasiados mensajes por hora (5.2.121/5.2.122). El límite se reinicia en menos de una hora.

provider-google-4728 = Gmail: 4.7.28 significa que Gmail vio un ritmo inusual de correo desde tu IP o tu dominio DKIM o SPF y lo está limitando temporalmente. Envía más despacio y revisa las quejas en Google Postmaster Tools.
provider-google-421-unusual = Gmail: «unusual rate of unsolicited mail» habla de la reputación de tu IP o dominio entre los usuarios de Gmail, no de este mensaje en concreto.
provider-google-421 = Gmail: 421 4.7.0 es un rechazo temporal (reputación, falta de PTR o de autenticación, o TLS obligatorio). El texto de Gmail tras el código dice cuál.
provider-google-4-2-1 = Gmail: 4.2.1 «receiving mail too quickly» significa que este destinatario concreto recibe demasiado correo; no es tu reputación. El reintento suele funcionar.
provider-google-5-7-26 = Gmail exige SPF o DKIM a todos los remitentes, y SPF, DKIM y DMARC alineados a los remitentes masivos (más de 5000 mensajes al día a Gmail).
provider-google-5-1-1 = Gmail: 5.1.1 «NoSuchUser» es definitivo: esa dirección de Gmail no existe.
provider-google-5-2-1 = Gmail: la cuenta existe pero está desactivada o inactiva; el correo hacia ella no se entregará.
provider-google-5-2-2 = Gmail: el almacenamiento de Google del destinatario (correo, Drive y Fotos juntos) está lleno.
provider-google-tls = Gmail (o este dominio de Google Workspace) exige TLS; el servidor de envío debe usar STARTTLS.
provider-google-ptr = Gmail exige un registro PTR en la IP de envío que resuelva de vuelta a ella (y a los remitentes por IPv6, PTR y autenticación).
provider-google-5-7-1-reputation = Gmail considera probable spam este mensaje o a su remitente; Google Postmaster Tools muestra la reputación de tu dominio y de tu IP.

provider-yahoo-tss04 = Yahoo: TSS04 significa que los mensajes de tu IP se aplazan temporalmente (volumen, quejas o falta de autenticación). Sigue reintentando despacio; revisa las quejas y que SPF, DKIM y DMARC pasen.
provider-yahoo-tss09 = Yahoo: TSS09/TSS11 significa que todo el correo de tu IP se rechaza de forma permanente; reintentar no servirá. Contacta con el soporte a remitentes de Yahoo tras corregir la causa.
provider-yahoo-ts0x = Yahoo: TS01–TS03 significa que la IP de envío está bloqueada por mala reputación.
provider-yahoo-ph01 = Yahoo: PH01 / «not accepted for policy reasons» significa que el contenido o el remitente incumple la política de Yahoo (a menudo contenido tipo spam o una URL con mala reputación).
provider-yahoo-bl21 = Yahoo: BL21–BL23 significa que la IP de envío está en una lista de Spamhaus; primero consigue la exclusión en spamhaus.org.

provider-apple-policy = iCloud: «[CS01]/[HM08] Message rejected due to local policy» es el filtro de spam y políticas de iCloud; revisa la autenticación y el contenido, y las pautas para remitentes de Apple.
provider-apple-blocked = iCloud: la IP de envío está en una lista de bloqueo que usa Apple (Spamhaus, Proofpoint).

provider-gmx-blocked = GMX / WEB.DE: exigen un PTR válido, SPF/DKIM y una IP limpia; el rechazo indica qué comprobación falló.
provider-mailru-spam = Mail.ru rechazó el mensaje como spam o por venir de una IP dinámica; consulta postmaster.mail.ru.
provider-yandex-spam = Yandex rechazó el mensaje por sospecha de spam o por no pasar DMARC.
provider-orange-ofr = Orange / La Poste: los códigos OFR/LPN son suyos; «service refusé» suele significar que la IP de envío está limitada o bloqueada temporalmente.
provider-comcast-rl = Comcast: los códigos RL son límites de ritmo y los BL bloqueos de la IP de envío; consulta postmaster.comcast.net.
provider-mimecast-blocked = Mimecast filtra el correo de la organización destinataria; el texto del rechazo indica la política (reputación, bloqueo del sobre). El departamento de TI del destinatario puede permitir tu remitente o tu IP.
provider-proofpoint-blocked = Proofpoint filtra el correo de la organización destinataria; comprueba tu IP en ipcheck.proofpoint.com y pide allí la exclusión.
provider-barracuda-blocked = Barracuda: la IP de envío está en la Barracuda Reputation Block List; pide la exclusión en barracudacentral.org.
