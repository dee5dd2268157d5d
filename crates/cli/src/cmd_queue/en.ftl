# mailway queue why — texts (English). The relay's own English summary and explanations are
# printed as they come; these render the same facts from the report's fields.

queue-not-running = (the relay is not running: nothing is tried until `mailway serve` starts)
queue-summary-final = Every recipient is final (delivered or failed); the message leaves the queue.
queue-summary = Queued { $age } ago; { $waiting } of { $total } { $total ->
        [one] recipient
       *[other] recipients
    } still to deliver. Next attempt { $next }; expires { $expires }.
queue-not-scheduled = not scheduled
queue-state-pending = pending
queue-state-deferred = deferred
queue-state-delivered = delivered
queue-state-failed = failed
queue-classification = Classification
queue-temporality-transient = temporary
queue-temporality-permanent = permanent
queue-temporality-success = success
queue-temporality-unknown = no code
queue-hard-bounce = hard bounce
queue-likely-causes = Likely causes:
queue-admin-can-do = What the admin can do:

## a recipient's story

queue-delivered = Delivered { $when }.
queue-delivered-by = Delivered to { $mta } { $when }, which answered "{ $reply }".
queue-failed = Failed permanently after { $attempts } { $attempts ->
        [one] attempt
       *[other] attempts
    }.
queue-last-reply = Last reply: "{ $reply }".
queue-last-reply-from = Last reply: "{ $reply }" from { $mta }.
queue-not-tried = Not tried yet.
queue-deferred = Still in the queue because the last attempt, { $when }, failed temporarily ({ $attempts } so far).
queue-server-said = { $mta } answered "{ $reply }".
queue-local-error = { $reply }.
queue-last-server-reply = The last answer from a server was "{ $reply }".
queue-next-attempt = Next attempt { $when }.
queue-expires = If it still fails, the message expires { $when }.

## durations and moments

queue-now = now ({ $stamp })
queue-in = in { $duration } ({ $stamp })
queue-ago = { $duration } ago ({ $stamp })
queue-earlier = earlier
queue-days = { $n ->
        [one] 1 day
       *[other] { $n } days
    }
queue-hours = { $n ->
        [one] 1 hour
       *[other] { $n } hours
    }
queue-minutes = { $n ->
        [one] 1 minute
       *[other] { $n } minutes
    }
queue-seconds = { $n ->
        [one] 1 second
       *[other] { $n } seconds
    }
