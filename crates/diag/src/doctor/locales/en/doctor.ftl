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
doctor-cause-destination-ok-now = The destination works now: the failure was temporary
    .sender = Send the message again.
    .admin = Nothing is broken now; if it recurs, capture a probe while it happens.
doctor-cause-rejected = The destination rejected the message
    .sender = Read the server's words below; forward the bounce to your mail admin.
    .admin = Use `mailway explain` on the diagnostic code for details.

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

## where the sending IP and the sender's domain come from

doctor-ip-from-received = Received: from { $from }[{ $ip }] by { $by } (the receiving server's record of the sending IP)
doctor-ip-from-reporting-mta = Reporting-MTA { $name } (the sending server) resolves to { $addresses }
doctor-ip-from-flag = given with --ip
doctor-sender-from-x-postfix-sender = X-Postfix-Sender
doctor-sender-from-return-path = Return-Path of the returned message
doctor-sender-from-from = From of the returned message
doctor-sender-from-bounce-to = To of the bounce
doctor-sender-from-log = envelope sender in the log

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
