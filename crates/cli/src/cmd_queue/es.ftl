# mailway queue why — textos (español), a partir de los campos del informe del relay.

queue-not-running = (el relay no está en marcha: no se intenta nada hasta que arranque `mailway serve`)
queue-summary-final = Todos los destinatarios están resueltos (entregados o fallidos); el mensaje sale de la cola.
queue-summary = En la cola desde hace { $age }; { $waiting ->
        [one] queda { $waiting }
       *[other] quedan { $waiting }
    } de { $total } { $total ->
        [one] destinatario
       *[other] destinatarios
    } por entregar. Próximo intento: { $next }; caduca { $expires }.
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
queue-failed = Falló de forma definitiva tras { $attempts } { $attempts ->
        [one] intento
       *[other] intentos
    }.
queue-last-reply = Última respuesta: «{ $reply }».
queue-last-reply-from = Última respuesta de { $mta }: «{ $reply }».
queue-not-tried = Todavía no se ha intentado.
queue-deferred = Sigue en la cola porque el último intento, { $when }, falló de forma temporal (intentos hasta ahora: { $attempts }).
queue-server-said = { $mta } respondió «{ $reply }».
queue-local-error = { $reply }.
queue-last-server-reply = La última respuesta de un servidor fue «{ $reply }».
queue-next-attempt = Próximo intento: { $when }.
queue-expires = Si sigue fallando, el mensaje caduca { $when }.

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
