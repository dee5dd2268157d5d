# mailway queue ls, show and why — texts (English). In `why`, the relay's own English summary
# and explanations are printed as they come; these render the same facts from the report's
# fields for other languages.

queue-not-running = (the relay is not running: nothing is tried until `mailway serve` starts)
queue-summary-final = Every recipient is final (delivered or failed); the message leaves the queue.
queue-summary = Queued { $age } ago; { $waiting } of { $total } { $total ->
        [one] recipient
       *[other] recipients
    } still to deliver. Next attempt { $next }; expires { $expires }.
queue-was-due = was due { $when }
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
queue-failed = Failed permanently ({ $status }) after { $attempts } { $attempts ->
        [one] attempt
       *[other] attempts
    }.
queue-expired = Expired: it could not be delivered within the queue lifetime ({ $lifetime }) after { $attempts } { $attempts ->
        [one] attempt
       *[other] attempts
    }.
queue-notice-sent = The sender is sent a failure notice.
queue-notice-null = The message is itself a notice (null sender), so no failure notice is sent.
queue-notice-declined = The sender asked for no failure notice (NOTIFY).
queue-last-reply = Last reply: "{ $reply }".
queue-last-reply-from = Last reply: "{ $reply }" from { $mta }.
queue-not-tried = Not tried yet.
queue-deferred = Still in the queue because the last attempt, { $when }, failed temporarily ({ $attempts } so far).
queue-server-said = { $mta } answered "{ $reply }".
queue-local-error = { $reply }.
queue-last-server-reply = The last answer from a server was "{ $reply }".
queue-last-server-reply-from = The last answer from a server was "{ $reply }" from { $mta }.
queue-held = Held by an administrator: it is not tried until released (mailway queue retry).
queue-active = Being delivered right now.
queue-suspended = Deliveries to { $domain } are suspended for { $duration } (until { $stamp }) after repeated connection failures.
queue-suspended-error = Deliveries to { $domain } are suspended for { $duration } (until { $stamp }) after repeated connection failures ({ $error }).
queue-next-attempt = Next attempt { $when }.
queue-next-overdue = The next attempt is due now (since { $when }).
queue-next-overdue-offline = The next attempt was due { $when }; it is made as soon as `mailway serve` runs.
queue-last-attempt = The last attempt is { $when }, when the queue lifetime ends.
queue-expires = If it still fails, the message expires { $when }.
queue-expires-notice = If it still fails, the message expires { $when } and the sender gets a failure notice (5.4.7).
queue-expires-null = If it still fails, the message expires { $when } (it is a notice itself, so nobody is told).
queue-delay-warning = A delay warning goes to the sender { $when }.
queue-delay-warned = The sender was already warned of the delay.

## queue ls and show

queue-ls-empty = Mail queue is empty
queue-ls-col-id = QUEUE ID
queue-ls-col-size = SIZE
queue-ls-col-arrived = ARRIVED
queue-ls-col-who = SENDER / RECIPIENTS
queue-ls-null-sender = <> (delivery notice)
queue-ls-attempts = { $n } { $n ->
        [one] attempt
       *[other] attempts
    }
queue-ls-next = , next { $when }
queue-ls-active = , being delivered now
queue-ls-last-reply = last reply: { $reply }
queue-ls-expires = expires { $when }
queue-ls-count = { $n } { $state }
queue-ls-kb = { $n } KB
queue-ls-bytes = { $n } bytes
queue-ls-total = -- { $size } in { $messages } { $messages ->
        [one] message
       *[other] messages
    }; recipients: { $states }
queue-ls-active-note = {" "}(* = being delivered now)
queue-rel-now = now
queue-rel-in = in { $duration }
queue-rel-ago = { $duration } ago
queue-show-id = Queue ID:
queue-show-arrived = Arrived:
queue-show-expires = Expires:
queue-show-delay = Delay notice:
queue-show-size = Size:
queue-show-sender = Sender:
queue-show-params = Parameters:
queue-show-via = Received via:
queue-show-from = from { $client }
queue-show-msgid = Message-ID:
queue-show-hold = On hold:
queue-show-yes = yes
queue-show-active = Active:
queue-show-active-now = a delivery attempt is running now
queue-show-recipients = Recipients:
queue-show-last-reply = last reply { $when }: { $reply }
queue-show-last-reply-from = last reply { $when } from { $mta }: { $reply }
queue-show-last-server-reply = last server reply: { $reply }
queue-show-next-attempt = next attempt { $when }
queue-show-headers = Headers:

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
