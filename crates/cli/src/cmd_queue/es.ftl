# mailway queue ls, show y why — textos (español); los de why, a partir de los campos del informe
# del relay.
# Registro: tuteo (tú), como el resto de mailway.

queue-not-running = (el relay no está en marcha: no se intenta nada hasta que arranque `mailway serve`)
queue-summary-final = Todos los destinatarios están resueltos (entregados o fallidos); el mensaje sale de la cola.
queue-summary = En la cola desde hace { $age }; { $waiting ->
        [one] queda { $waiting }
       *[other] quedan { $waiting }
    } de { $total } { $total ->
        [one] destinatario
       *[other] destinatarios
    } por entregar. Próximo intento: { $next }; caduca { $expires }.
queue-was-due = tocaba { $when }
queue-not-scheduled = sin programar
queue-state-pending = pendiente
queue-state-deferred = aplazado
queue-state-delivered = entregado
queue-state-failed = fallido
queue-classification = Clasificación
queue-temporality-transient = temporal
queue-temporality-permanent = permanente
queue-temporality-success = éxito
queue-temporality-unknown = sin código
queue-hard-bounce = rebote definitivo
queue-likely-causes = Causas probables:
queue-admin-can-do = Qué puede hacer el administrador:

## la historia de un destinatario

queue-delivered = Entregado { $when }.
queue-delivered-by = Entregado a { $mta } { $when }, que respondió «{ $reply }».
queue-failed = Falló de forma definitiva ({ $status }) tras { $attempts } { $attempts ->
        [one] intento
       *[other] intentos
    }.
queue-expired = Caducado: no se pudo entregar dentro del tiempo de vida en la cola ({ $lifetime }) tras { $attempts } { $attempts ->
        [one] intento
       *[other] intentos
    }.
queue-notice-sent = El remitente recibe un aviso de fallo.
queue-notice-null = El mensaje es a su vez un aviso (remitente nulo), así que no se envía aviso de fallo.
queue-notice-declined = El remitente pidió no recibir avisos de fallo (NOTIFY).
queue-last-reply = Última respuesta: «{ $reply }».
queue-last-reply-from = Última respuesta de { $mta }: «{ $reply }».
queue-not-tried = Todavía no se ha intentado.
queue-deferred = Sigue en la cola porque el último intento, { $when }, falló de forma temporal (intentos hasta ahora: { $attempts }).
queue-server-said = { $mta } respondió «{ $reply }».
queue-local-error = { $reply }.
queue-last-server-reply = La última respuesta de un servidor fue «{ $reply }».
queue-last-server-reply-from = La última respuesta de un servidor fue «{ $reply }», de { $mta }.
queue-held = Retenido por un administrador: no se intenta hasta que se libere (mailway queue retry).
queue-active = Se está entregando en este momento.
queue-suspended = Las entregas a { $domain } están suspendidas durante { $duration } (hasta { $stamp }) tras varios fallos de conexión seguidos.
queue-suspended-error = Las entregas a { $domain } están suspendidas durante { $duration } (hasta { $stamp }) tras varios fallos de conexión seguidos ({ $error }).
queue-next-attempt = Próximo intento: { $when }.
queue-next-overdue = El próximo intento toca ya (desde { $when }).
queue-next-overdue-offline = El próximo intento tocaba { $when }; se hará en cuanto arranque `mailway serve`.
queue-last-attempt = El último intento será { $when }, cuando termina su tiempo de vida en la cola.
queue-expires = Si sigue fallando, el mensaje caduca { $when }.
queue-expires-notice = Si sigue fallando, el mensaje caduca { $when } y el remitente recibe un aviso de fallo (5.4.7).
queue-expires-null = Si sigue fallando, el mensaje caduca { $when } (es a su vez un aviso, así que no se avisa a nadie).
queue-delay-warning = El remitente recibirá un aviso de retraso { $when }.
queue-delay-warned = Ya se avisó al remitente del retraso.

## queue ls y show

queue-ls-empty = La cola de correo está vacía
queue-ls-col-id = ID EN COLA
queue-ls-col-size = TAMAÑO
queue-ls-col-arrived = LLEGADA
queue-ls-col-who = REMITENTE / DESTINATARIOS
queue-ls-null-sender = <> (aviso de entrega)
queue-ls-attempts = { $n } { $n ->
        [one] intento
       *[other] intentos
    }
queue-ls-next = , próximo { $when }
queue-ls-active = , entregándose ahora
queue-ls-last-reply = última respuesta: { $reply }
queue-ls-expires = caduca { $when }
queue-ls-count = { $n } { $state }
queue-ls-kb = { $n } KB
queue-ls-bytes = { $n } bytes
queue-ls-total = -- { $size } en { $messages } { $messages ->
        [one] mensaje
       *[other] mensajes
    }; destinatarios: { $states }
queue-ls-active-note = {" "}(* = entregándose ahora)
queue-rel-now = ahora
queue-rel-in = dentro de { $duration }
queue-rel-ago = hace { $duration }
queue-show-id = ID en cola:
queue-show-arrived = Llegada:
queue-show-expires = Caduca:
queue-show-delay = Aviso de retraso:
queue-show-size = Tamaño:
queue-show-sender = Remitente:
queue-show-params = Parámetros:
queue-show-via = Recibido por:
queue-show-from = desde { $client }
queue-show-msgid = Message-ID:
queue-show-hold = Retenido:
queue-show-yes = sí
queue-show-active = Activo:
queue-show-active-now = hay un intento de entrega en curso
queue-show-recipients = Destinatarios:
queue-show-last-reply = última respuesta { $when }: { $reply }
queue-show-last-reply-from = última respuesta { $when } de { $mta }: { $reply }
queue-show-last-server-reply = última respuesta de un servidor: { $reply }
queue-show-next-attempt = próximo intento { $when }
queue-show-headers = Cabeceras:

## duraciones y momentos

queue-now = ahora ({ $stamp })
queue-in = dentro de { $duration } ({ $stamp })
queue-ago = hace { $duration } ({ $stamp })
queue-earlier = antes
queue-days = { $n ->
        [one] 1 día
       *[other] { $n } días
    }
queue-hours = { $n ->
        [one] 1 hora
       *[other] { $n } horas
    }
queue-minutes = { $n ->
        [one] 1 minuto
       *[other] { $n } minutos
    }
queue-seconds = { $n ->
        [one] 1 segundo
       *[other] { $n } segundos
    }
