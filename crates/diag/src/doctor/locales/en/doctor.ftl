# mailway doctor — causes, advice and report labels (English).
# A cause is `doctor-cause-<code>` (code with "_" as "-"): its value is the title, `.sender` what
# the sender can do, `.admin` what the mail administrator can do.

## causes from the probes and the bounce

doctor-cause-destination-not-greeting = The destination server accepts connections but never greets
    .sender = Nothing is wrong on your side. Your server keeps retrying; if the message expires, send it again later or reach the recipient another way.
    .admin = The remote MTA is overloaded, down or tarpitting: tell the recipient's admin (postmaster@). Check that your IP is not on their blocklist; keep the queue lifetime (e.g. Postfix maximal_queue_lifetime) long enough.
doctor-cause-port25-blocked = Outbound port 25 is blocked from this host
    .sender = Send through your provider's submission server (port 587) instead of delivering directly.
    .admin = Open outbound TCP 25 in the firewall or ask the ISP/cloud provider to unblock it, or relay through a smarthost on 587/465.
doctor-cause-destination-unreachable = The destination mail servers do not answer
    .sender = Wait and resend later; if it persists, contact the recipient another way.
    .admin = TCP connections time out: a firewall drops them or the hosts are down. Check routing from your server (traceroute -T -p 25) and tell the recipient's admin.
doctor-cause-destination-refused = The destination mail servers refuse connections
    .sender = Resend later; the recipient's mail service seems down.
    .admin = Nothing listens on port 25 at the MX addresses: the MTA is stopped or the MX records point to the wrong hosts.
doctor-cause-domain-has-no-mail = The recipient's domain cannot receive mail
    .sender = Check the address for typos (the domain part).
    .admin = The domain does not exist, publishes a null MX, or its MX hosts have no address: fix its DNS.
doctor-cause-mx-address-unroutable = A mail server of the recipient's domain has an address no server can have
    .sender = Wait or resend later; if it keeps failing, tell the recipient another way that their mail server's address is wrong.
    .admin = An MX host's A/AAAA record points into a documentation, benchmarking, multicast or reserved range: publish the server's real public address (mailway check DOMAIN lists every MX address).
doctor-cause-dns-failure = The recipient's DNS is failing
    .sender = Wait: delivery is retried automatically.
    .admin = The MX lookup fails (SERVFAIL/timeout): check the domain's name servers and DNSSEC.
doctor-cause-greylisting = The destination greylists first-time senders
    .sender = Nothing to do: the delay is normal and the retry is accepted.
    .admin = Make sure your server retries from the same IP within minutes (Postfix does).
doctor-cause-tls-problem = A TLS/certificate problem at the destination
    .sender = Tell the recipient their mail server's certificate needs attention.
    .admin = Renew the certificate, fix the TLSA records (DANE) or the name mismatch; verifying senders defer mail meanwhile.
doctor-cause-user-unknown = The recipient address does not exist
    .sender = Check the address for typos; ask the recipient for the right one. Do not resend to the same address.
    .admin = Remove the address from lists; if it should exist, check the recipient server's user tables.
doctor-cause-mailbox-full = The recipient's mailbox is full
    .sender = Tell the recipient another way; resend later.
    .admin = Nothing on the sending side.
doctor-cause-message-too-big = The message is larger than the destination accepts
    .sender = Send smaller attachments or a link.
    .admin = Compare your message size with the destination's SIZE limit (shown in the probe).
doctor-cause-sender-blocked = The destination blocks your server or message
    .sender = Contact the recipient another way; forward the bounce to your mail admin.
    .admin = Run `mailway check` on your domain and sending IP: PTR/FCrDNS, SPF, DKIM, DMARC, blocklists; then request delisting.
doctor-cause-expired = Delivery kept failing until the message expired
    .sender = Resend the message; if it fails again, contact the recipient another way.
    .admin = Look at the sending server's logs for the deferral reason of each attempt (`mailway logs trace`).
doctor-cause-delivery-delayed = Delivery is delayed: the sending server is still retrying
    .sender = Wait: the message is still queued and is retried automatically. Do not send it again now (it would arrive twice); only if a final failure notice comes, resend it or reach the recipient another way.
    .admin = Find the deferral reason of each attempt in the logs (`mailway logs trace`) and probe the destination (`mailway probe DOMAIN`); messages close to expiry show in `mailway logs summary`.
doctor-cause-destination-ok-now = The destination works now: the failure was temporary
    .sender = Send the message again.
    .admin = Nothing is broken now; if it recurs, capture a probe while it happens.
doctor-cause-rejected = The destination rejected the message
    .sender = Read the server's words below; forward the bounce to your mail admin.
    .admin = Use `mailway explain` on the diagnostic code for details.
doctor-cause-rate-limited = The destination limits how fast your server sends to it
    .sender = Nothing is lost: your server retries on its own. Send large mailings in smaller batches.
    .admin = Lower the concurrency and rate for this destination (Postfix: smtp_destination_concurrency_limit, smtp_destination_rate_delay), spread bulk mail over time, and warm up new IPs; `mailway logs summary` shows the deferrals per destination.
doctor-cause-mailbox-disabled = The recipient's mailbox is disabled or suspended
    .sender = Reach the recipient another way (phone, another address); do not keep resending to this address.
    .admin = Nothing on the sending side; if it keeps failing, remove the address from your lists.
doctor-cause-destination-error = The destination mail server has an internal problem
    .sender = Nothing is wrong on your side: resend later, or reach the recipient another way.
    .admin = The remote server reported an error of its own (disk full, configuration, software): tell the recipient's admin (postmaster@) and keep retrying.
doctor-cause-relay-denied = A server refused to relay the message to the recipient's domain
    .sender = Check the domain part of the address for typos; if you send through your provider, check that your mail program logs in to send (SMTP authentication).
    .admin = The message reached a server that does not handle the recipient's domain: check the domain's MX records (`mailway check DOMAIN`), your transport/relayhost settings, and that clients authenticate on submission.
doctor-cause-address-moved = The recipient has a new address
    .sender = Send the message to the new address given in the bounce and update your address book.
    .admin = Update lists and aliases with the new address.
doctor-cause-content-rejected = The destination rejected the message's content
    .sender = Remove or zip suspicious attachments (executables, macros), shorten links, and send again; or send a plain message asking how to share the file.
    .admin = Look at what the destination's filter objected to (the reply text), check outgoing mail for malware, and make sure messages carry valid DKIM signatures.
doctor-cause-not-compliant = The destination rejected the message as not following the mail standards
    .sender = Try another mail program or webmail; forward the bounce to your mail admin.
    .admin = Check the sending software: required headers (From, Date, Message-ID), line length, bare LF, 8-bit data without 8BITMIME, malformed MIME; update it.
doctor-cause-suppressed = The sending service did not try: the address is on its suppression list
    .sender = Check the address; if it works again, ask your mail admin to remove it from the suppression list.
    .admin = Earlier bounces or complaints put the address on the provider's suppression list: remove it there only if the address is valid again.
doctor-cause-complaint = The recipient reported your message as spam
    .sender = Do not send more of this kind to this recipient.
    .admin = Remove the recipient from the list, check how addresses were collected (confirmed opt-in) and that every message has a working unsubscribe link.
doctor-cause-deferred = The destination deferred the message (a temporary refusal)
    .sender = Wait: your server retries on its own, typically for 1 to 5 days.
    .admin = Read the server's reply below; `mailway explain` on it says what it means.
doctor-cause-auto-reply = This is an automatic reply (out of office), not a failure
    .sender = Your message was delivered; the recipient's mailbox answered on its own. Read the reply for when they are back or whom to contact instead.
    .admin = Nothing to fix: auto-replies (RFC 3834) are not bounces; do not count them as failures.
doctor-cause-forwarding-blocked = Your own organisation blocks automatic forwarding outside it
    .sender = Forward the message by hand; to keep forwarding automatically, ask your administrator to allow it for your mailbox, and check your inbox rules for forwarding you did not set up.
    .admin = Allow external forwarding only where needed (Microsoft 365: outbound spam filter policy, automatic forwarding; or a remote-domain setting) and look for forwarding rules nobody asked for.
doctor-cause-resolver-unreachable = This host's DNS resolver does not answer ({ $servers })
    .sender = Nothing could be checked live (DNS, the destination's servers): what follows comes from the bounce or the log alone. Run the doctor again from a machine with working DNS.
    .admin = Check /etc/resolv.conf (or the --resolver given), that the resolver is running, and that UDP and TCP port 53 to it are open; then run the doctor again.

## causes from the recipient domain's check

doctor-cause-domain-check-errors = { $domain } has DNS or mail-authentication errors
    .sender = Forward this diagnosis to the recipient's mail admin.
    .admin = Fix the errors `mailway check { $domain }` lists (each has its fix).

## causes from the sending IP (mailway check --ip of the sender's domain)

doctor-cause-sending-ip-listed = Your sending IP { $ip } is on a DNS blocklist
    .sender = Forward this diagnosis to your mail admin; meanwhile send through another server.
    .admin = Find out why { $ip } was listed (open relay, compromised account, spam), fix it and request delisting from each list; re-check with `mailway check --ip { $ip } { $domain }`.
doctor-cause-sending-ip-no-fcrdns = Your sending IP { $ip } lacks proper reverse DNS (PTR/FCrDNS)
    .sender = Forward this diagnosis to your mail admin.
    .admin = Ask whoever assigns { $ip } (ISP/cloud provider) for a PTR naming your mail server, and make that name resolve back to { $ip }.
doctor-cause-sending-ip-not-in-spf = { $domain }'s SPF does not authorise your sending IP { $ip }
    .sender = Forward this diagnosis to your mail admin.
    .admin = Add { $ip } (or its server, with ip4:/a:/include:) to { $domain }'s SPF record.

## explanations and evidence

doctor-tarpit-retry-until = ; your server keeps retrying until { $until }
doctor-tarpit-not-your-fault = ; nothing is wrong on your side
doctor-ok-now = every MX answers normally now; the timeouts in the bounce were temporary
doctor-ev-bounce = bounce: { $recipient } { $action } { $status }{ $diagnostic }
doctor-ev-probe = probe: { $message }
doctor-ev-check = check: { $title } — { $explanation }
doctor-ev-sending-ip = sending IP { $ip }: { $source }
doctor-ev-log = log: { $line }
doctor-ev-log-more = log: … { $count } more attempts …
doctor-ev-log-in-queue = log: { $recipient } in queue { $queue } ({ $deferrals } deferrals)
doctor-ev-queue = queue: { $recipient } in queue { $queue } ({ $state }), arrived { $age } ago
doctor-ev-queue-reason = queue: last reason: { $reason }
doctor-ev-queue-attempts = queue: { $count } delivery attempts so far

## where the sending IP and the sender's domain come from

doctor-ip-from-received = Received: from { $from }[{ $ip }] by { $by } (the receiving server's record of the sending IP)
doctor-ip-from-reporting-mta = Reporting-MTA { $name } (the sending server) resolves to { $addresses }
doctor-ip-from-flag = given with --ip
doctor-sender-from-x-postfix-sender = X-Postfix-Sender
doctor-sender-from-return-path = Return-Path of the returned message
doctor-sender-from-from = From of the returned message
doctor-sender-from-bounce-to = To of the bounce
doctor-sender-from-log = envelope sender in the log
doctor-sender-from-queue = envelope sender in the queue

## report labels

doctor-ui-title = Diagnosis of { $input }
doctor-ui-recipient = recipient
doctor-ui-sending-ip = sending IP
doctor-ui-sender-domain = sender domain
doctor-ui-note = note
doctor-ui-no-cause = No cause found: everything checked works.
doctor-ui-likelihood = likelihood
doctor-ui-likelihood-high = high
doctor-ui-likelihood-medium = medium
doctor-ui-likelihood-low = low
doctor-ui-sender = Sender
doctor-ui-admin = Admin
doctor-ui-action-failed = failed
doctor-ui-action-delayed = delayed
doctor-ui-action-delivered = delivered
doctor-ui-action-relayed = relayed
doctor-ui-action-expanded = expanded
