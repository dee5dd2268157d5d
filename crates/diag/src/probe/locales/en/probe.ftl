# mailway probe — finding texts and report labels (English).
# Message id = "probe-" + the finding code with "_" changed to "-" (variants add a suffix).

## MX and addresses

probe-null-mx = { $name } publishes a null MX ("0 .", RFC 7505): it accepts no mail at all
probe-null-mx-mixed = { $name } mixes a null MX (".") with other MX records, which RFC 7505 §3 makes invalid
probe-no-mx = { $name } has no MX record; senders fall back to its own A/AAAA (RFC 5321 §5.1)
probe-nxdomain = { $name } does not exist in DNS (NXDOMAIN): mail to it bounces as host unknown
probe-mx-lookup-failed = the MX lookup for { $name } failed ({ $error }): senders defer and retry; check the domain's name servers
probe-mx-lookup-failed-no-answer = the MX lookup for { $name } got no answer ({ $error }): the resolver this host asks may be down or unreachable (check /etc/resolv.conf or --resolver); if other names resolve, the domain's name servers do not answer, and senders defer and retry
probe-mx-lookup-failed-refused = the resolver refused the MX lookup for { $name } ({ $error }): it does not resolve names for this host (check /etc/resolv.conf or --resolver)
probe-address-lookup-failed = { $host }: { $error }
probe-tlsa-lookup-failed = the TLSA lookup { $name } failed ({ $error }): DANE-verifying senders defer mail when TLSA cannot be resolved

## connection outcomes

probe-tarpit = { $label } accepts the TCP connection but never sends its greeting (waited { $waited }) — the classic cause of "4.4.7 delivery time expired": the server is overloaded or down, or a filter is tarpitting this client
probe-connect-timeout = { $label } does not answer the TCP connection (no reply within { $waited }): packets are dropped by a firewall on either side, or the host is down
probe-timeout = { $label } stopped answering during { $phase } (waited { $waited })
probe-refused = { $label } refuses the connection: nothing listens on port { $port } (the mail server is down, or this is not a mail server)
probe-ipv6-unavailable = { $label }: IPv6 is not usable from this host ({ $error }); only IPv4 addresses can be probed from here
probe-unreachable = { $label } is unreachable: { $error }
probe-not-routable = { $label } is { $class ->
        [unspecified] the unspecified address
        [documentation] a documentation address (RFC 5737 / RFC 3849)
        [benchmark] a benchmarking address (RFC 2544)
        [multicast] a multicast address
       *[other] a reserved address
    }: no mail server can be reached there, so it was not probed; the host's A/AAAA record must be fixed (mailway check DOMAIN shows it)
probe-reset = { $label } reset the connection during { $phase } — a crashing server, a connection limit, or a middlebox
probe-closed = { $label } closed the connection during { $phase }
probe-not-smtp = { $label } does not speak SMTP properly during { $phase }: { $error }
probe-tls-failed = { $label }: the TLS handshake failed: { $error }
probe-starttls-required-missing = { $label } does not offer STARTTLS, and --tls required was asked
probe-rejected = { $label } refuses service at { $phase }: { $error }
probe-other = { $label }: { $error }

## banner, capabilities, TLS

probe-banner-ptr-mismatch = { $label } announces itself as "{ $banner }" but the address's PTR is { $ptr }
probe-no-ptr = { $address } has no usable PTR record ({ $error }); many receivers distrust such hosts
probe-no-starttls = { $label } does not offer STARTTLS: mail to it travels unencrypted
probe-size-limit = { $label } accepts messages up to { $bytes } bytes ({ $mb } MB)
probe-cert-expired = { $label }: the certificate ({ $subject }) expired on { $date } — senders that verify (MTA-STS, DANE) will not deliver
probe-cert-expires-soon = { $label }: the certificate expires in { $days } days
probe-cert-name-mismatch = { $label }: the certificate ({ $subject }, SANs: { $sans }) does not name { $name }
probe-cert-valid = { $label }: { $version } with a certificate valid for { $name } (web PKI)
probe-cert-untrusted = { $label }: the certificate does not validate against web PKI roots ({ $problem }); fine for opportunistic TLS, fatal for MTA-STS
probe-dane-match = { $label }: the certificate matches the TLSA record { $matched } at { $name }; the TLSA records are DNSSEC-secure ({ $why })
probe-dane-match-unvalidated = { $label }: the certificate matches the TLSA record { $matched } at { $name }, but the TLSA answer is not DNSSEC-validated ({ $why }): senders do not use DANE with it (RFC 7672 §2.2)
probe-dane-mismatch = { $label }: TLSA records exist at { $name } but none matches the certificate: DANE-verifying senders (Postfix with dane, Exim) will defer mail (4.7.5)
probe-dane-mismatch-insecure = { $label }: TLSA records exist at { $name } but none matches the certificate; they are not DNSSEC-validated ({ $why }), so senders ignore them today, and will defer mail (4.7.5) once the zone is signed
probe-dane-unusable = { $label }: the TLSA records at { $name } use only PKIX usages (0/1), which SMTP senders ignore (RFC 7672 §3.1.3)
probe-dane-bogus = { $label }: the TLSA records at { $name } fail DNSSEC validation ({ $why }): validating senders (Postfix with dane, Exim) cannot trust them and defer mail to this host (4.7.5)

## MAIL, RCPT, greylisting

probe-mail-rejected = { $label } refuses the sender: { $reply }
probe-rcpt-rejected = { $label } refuses the recipient: { $reply }
probe-rcpt-accepted = { $label } accepts the recipient: { $reply }
probe-greylisting-no-retry = { $label } greylists: "{ $first }" (retry disabled with --greylist-wait 0); a real sender is accepted on a later retry
probe-greylisting-passed = { $label } greylists: first RCPT got "{ $first }", the retry after { $wait } s was accepted ({ $retry }) — delays of minutes are normal for first-time senders
probe-greylisting-still-refused = { $label } greylists: first RCPT got "{ $first }", and the retry after { $wait } s was still refused ({ $retry }); its greylisting delay is longer
probe-greylisting-retry-failed = { $label } greylists: first RCPT got "{ $first }"; the retry after { $wait } s failed: { $error }

## whole report

probe-port25-blocked = outbound port { $port } looks blocked from this host (firewall or ISP): every address timed out on port { $port }, while { $answered }
probe-port25-connected = { $address } port { $port } (connected)
probe-port25-answered = { $address } port { $port } (refused: the host answered)
probe-hosts-silent = every address timed out on port { $port } and also on ports { $ports }: the hosts are down or unreachable from here (not only port { $port } blocked)
probe-no-working-mx = none of the { $count } address(es) completed an SMTP conversation on port { $port }: mail to { $name } cannot be delivered from here now
probe-some-mx-failing = { $ok } of { $count } address(es) work; senders retry the others first and may see delays
probe-smtp-ok = { $ok } address(es) answered SMTP on port { $port }

## timeline details

probe-detail-starttls = ready to start TLS
probe-detail-bye = bye
probe-detail-timeout = no answer within { $after } (waiting for { $phase })

## report labels

probe-ui-title = Probe of { $what }, port { $port }
probe-ui-domain = mail domain { $name }
probe-ui-host = host { $name }
probe-ui-address = address { $ip }
probe-ui-mx = MX: { $list }
probe-ui-mx-implicit = MX: none (using the domain's own A/AAAA)
probe-ui-mx-failed = MX: lookup failed: { $error }
probe-ui-address-lookup = address lookup: { $error }
probe-ui-ptr-none = none
probe-ui-col-at = at
probe-ui-col-phase = phase
probe-ui-col-code = code
probe-ui-col-took = took
probe-ui-col-detail = detail
probe-ui-retry-note = (* = greylisting retry on a new connection)
probe-ui-certificate = certificate
probe-ui-sans = SANs
probe-ui-issuer = issuer
probe-ui-valid = valid
probe-ui-name = name
probe-ui-webpki = web PKI
probe-ui-none = (none)
probe-ui-self-signed = (self-signed)
probe-ui-expired = EXPIRED
probe-ui-not-yet-valid = NOT YET VALID
probe-ui-days-left = { $days } days left
probe-ui-matches = matches
probe-ui-no-match = DOES NOT match
probe-ui-pki-valid = valid
probe-ui-pki-invalid = not valid ({ $problem })
probe-ui-dnssec-secure = secure
probe-ui-dnssec-insecure = insecure
probe-ui-dnssec-bogus = bogus
probe-ui-dnssec-indeterminate = indeterminate
probe-ui-dnssec-no-data = no data
probe-dnssec-secure-why = { $why }{ $anchor ->
        [none] {""}
       *[other] {" "}{ $anchor }
    }, zone { $zone }
probe-ui-pki-not-checked = not checked
probe-ui-port-check = Port { $port } check (every address timed out on it):
probe-ui-findings = Findings:
probe-ui-total = (total { $ms } ms)
probe-ui-transcript = Transcript { $host } [{ $address }]:
probe-ui-sev-error = ERROR
probe-ui-sev-warning = WARN
probe-ui-sev-info = info
probe-ui-sev-ok = ok

## phase names (timeline and findings)

probe-phase-connect = connect
probe-phase-greeting = greeting
probe-phase-ehlo = ehlo
probe-phase-helo = helo
probe-phase-starttls = starttls
probe-phase-tls-handshake = tls_handshake
probe-phase-auth = auth
probe-phase-mail = mail
probe-phase-rcpt = rcpt
probe-phase-data-init = data_init
probe-phase-data-block = data_block
probe-phase-data-term = data_term
probe-phase-rset = rset
probe-phase-noop = noop
probe-phase-quit = quit

## outcome of a failed step (upper case in the timeline)

probe-outcome-timed-out = TIMED_OUT
probe-outcome-refused = REFUSED
probe-outcome-unreachable = UNREACHABLE
probe-outcome-reset = RESET
probe-outcome-closed = CLOSED
probe-outcome-tls = TLS
probe-outcome-protocol = PROTOCOL
probe-outcome-io = IO
probe-outcome-rejected = REJECTED
probe-outcome-not-supported = NOT_SUPPORTED
probe-outcome-tls-unavailable = TLS_UNAVAILABLE
probe-outcome-invalid-input = INVALID_INPUT
probe-outcome-not-routable = NOT_ROUTABLE

## outcome of a port-25 check attempt

probe-alt-ok = connected
probe-alt-refused = refused
probe-alt-unreachable = unreachable
probe-alt-timed-out = timed out

## DANE verdicts

probe-dane-verdict-match = match
probe-dane-verdict-no-match = no match
probe-dane-verdict-unusable = unusable
probe-dane-verdict-no-records = no records
probe-dane-verdict-lookup-failed = lookup failed

## errors in the timeline and the findings

probe-detail-connected = connected
probe-detail-helo-only = HELO only (no ESMTP extensions)
probe-error-refused = connection to { $addr } refused
probe-error-unreachable = { $addr } is unreachable: { $error }
probe-error-not-routable = { $addr } is { $class ->
        [unspecified] the unspecified address
        [documentation] a documentation address (RFC 5737 / RFC 3849)
        [benchmark] a benchmarking address (RFC 2544)
        [multicast] a multicast address
       *[other] a reserved address
    }: not probed
probe-error-reset = connection reset by peer during { $phase }
probe-error-closed = connection closed by peer during { $phase }
probe-error-closed-partial = connection closed by peer during { $phase } after a partial line { $partial }
probe-error-tls = TLS failure during { $phase }: { $error }
probe-error-protocol = protocol error during { $phase }: { $error } (offending bytes: { $bytes })
probe-error-io = I/O error during { $phase }: { $error }
probe-error-rejected = { $command } rejected: { $reply }
probe-error-not-supported = the server does not support { $extension }
probe-error-no-address = { $host } has no A or AAAA record

# Web-PKI validation problems (CertValidation::Invalid's `problem`, `_` written as `-`)
probe-pki-unknown-issuer = unknown issuer: not signed by a trusted root (self-signed, or an intermediate certificate is missing)
probe-pki-expired = expired
probe-pki-not-valid-yet = not valid yet
probe-pki-not-valid-for-name = not valid for this host name
probe-pki-bad-signature = bad signature
probe-pki-revoked = revoked
probe-pki-bad-encoding = badly encoded certificate
probe-pki-invalid-purpose = not issued for server authentication
probe-pki-ca-used-as-end-entity = a CA certificate served as the server's own
probe-pki-other = validator error: { $error }
