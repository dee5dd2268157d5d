# mailway check — finding texts (English).
# Message id = finding id with "." replaced by "-". Value = title; .explain; .fix.

## report headings

ui-area-resolver = Resolvers and domain
ui-area-mx = MX (where mail for the domain goes)
ui-area-ns = Name servers
ui-area-propagation = Propagation (agreement between resolvers)
ui-area-dnssec = DNSSEC
ui-area-spf = SPF
ui-area-dkim = DKIM
ui-area-dmarc = DMARC
ui-area-mta-sts = MTA-STS
ui-area-tls-rpt = TLS reporting (TLS-RPT)
ui-area-dane = DANE (TLSA)
ui-area-bimi = BIMI
ui-area-ip = Sending IP
ui-area-blocklist = Blocklists
ui-summary = { $errors } errors, { $warnings } warnings, { $infos } notes, { $oks } checks passed
ui-evidence = evidence
ui-fix = fix
ui-answered-by = answered by
ui-could-not-run = The check could not run
ui-checked = Checked { $domain } with { $resolvers } in { $ms } ms

## DNS errors (in findings' texts and evidence)

dns-error-nxdomain = { $name }: no such domain (NXDOMAIN from { $server })
dns-error-nodata = { $name }: no { $rtype } record (NODATA from { $server })
dns-error-servfail = { $name } { $rtype }: server failure (SERVFAIL from { $server })
dns-error-refused = { $name } { $rtype }: query refused (REFUSED from { $server })
dns-error-rcode = { $name } { $rtype }: error response { $rcode } from { $server }
dns-error-timeout = { $name } { $rtype }: no answer within { $seconds }s from { $servers }
dns-error-io = { $name } { $rtype }: I/O error talking to { $server }: { $message }
dns-error-protocol = { $name } { $rtype }: unusable reply from { $server }: { $message }
dns-error-cname-loop = { $name }: CNAME chain loops or is longer than { $limit } links
dns-error-invalid-name = "{ $name }" is not a valid DNS name: { $reason }
dns-error-no-servers = no DNS server configured
dns-result-timeout = timeout after { $seconds }s
dns-result-io = I/O error
dns-result-protocol = unusable reply
dns-result-cname-loop = CNAME loop
dns-result-invalid-name = invalid name
dns-result-no-servers = no server

## resolvers and domain

resolver-ok = { $count } resolver(s) answered: { $servers }
    .explain = Every answer below comes from these resolvers; each piece of evidence names the one that answered.
resolver-slow = Resolver { $server } is slow ({ $ms } ms)
    .explain = It answered, but took more than half of the timeout. Slow resolvers delay every delivery attempt and can make mail servers report temporary DNS failures (4.4.3).
    .fix = Use a resolver closer to the mail server (a local caching resolver such as unbound), or check the network path to { $server }.
resolver-refused = Resolver { $server } answered { $rcode }
    .explain = The resolver did not answer the question: REFUSED means it will not resolve for us (not a recursive resolver, or access-controlled); SERVFAIL means it failed to get an answer (broken delegation, DNSSEC failure, unreachable name servers).
    .fix = Check that { $server } is a recursive resolver that allows this client, or use another one with --resolver.
resolver-unreachable = Resolver { $server } did not answer within { $seconds } s
    .explain = No reply at all (dead, firewalled, or nothing listening on that port): { $error }. A mail server using it would defer every message with a temporary DNS error.
    .fix = Check that a resolver runs at { $server } and that UDP and TCP port 53 are open to it; meanwhile give another one with --resolver.
resolver-none-answered = None of the { $count } resolver(s) answered
    .explain = Without a resolver nothing can be checked; the results below are incomplete.
    .fix = Give a working resolver with --resolver IP[:PORT].
resolver-area-timeout = The { $subject } checks did not finish within { $seconds } s
    .explain = Some DNS answers took too long; the check stopped waiting so that the whole run stays bounded. The findings of this area are missing.
    .fix = Re-run with a larger --timeout or a faster resolver.
domain-invalid = Not a valid domain name
    .explain = { $error }
    .fix = Give a domain such as example.com (no scheme, no path, labels of at most 63 characters).
domain-nxdomain = { $domain } does not exist (NXDOMAIN)
    .explain = The DNS says there is no such domain. Mail to it bounces at once with "5.1.2 bad destination system", and mail from it is rejected by most receivers.
    .fix = Check the spelling; if the domain should exist, check its registration and delegation at the registrar.

## MX

mx-ok = { $count } MX host(s), all resolvable: { $hosts }
    .explain = Senders try them in order of preference; each has at least one address.
mx-implicit = No MX record: mail goes to the domain's own address ({ $addresses })
    .explain = Without MX records, senders use the A/AAAA records of the domain itself (the "implicit MX" of RFC 5321 §5.1). It works, but it is rarely what was meant: the web server is then asked to accept mail.
    .fix = Publish MX records for the hosts that should receive mail, or a null MX ("0 .", RFC 7505) if the domain receives no mail.
mx-none = No MX record and no address: the domain cannot receive mail
    .explain = There is neither an MX record nor an A/AAAA record for { $domain }, so mail to it bounces (or, with some senders, is retried until it expires).
    .fix = Publish MX records; if the domain should receive no mail, publish a null MX ("{ $domain }. MX 0 .") so senders bounce at once.
mx-lookup-failed = The MX lookup failed: { $error }
    .explain = The resolver could not say whether MX records exist. Senders treat this as a temporary error and keep retrying, which ends in "4.4.7 delivery time expired".
    .fix = Check the name servers of the domain (see the name server findings) and DNSSEC.
mx-null = Null MX: the domain accepts no mail (RFC 7505)
    .explain = The single MX record "0 ." says the domain receives no mail; senders bounce at once with 5.1.10 instead of retrying.
mx-null-mixed = Null MX mixed with other MX records
    .explain = The null MX "0 ." means "no mail here", but other MX records are published too. RFC 7505 §3 forbids this; senders may treat the domain as having no valid MX at all.
    .fix = Remove "0 ." to receive mail, or remove every other MX record to accept none.
mx-duplicate = { $subject } is listed several times (preferences { $preferences })
    .explain = The same host at several preferences adds nothing and suggests a leftover record.
    .fix = Keep one MX record per host.
mx-target-ip = MX target { $subject } is an IP address, not a host name
    .explain = An MX record must name a host (RFC 5321 §5.1, RFC 7505). Senders look up "{ $subject }" as a name, which does not exist, so this MX is useless.
    .fix = Create a host name (e.g. mx.{ $domain }) with an A record for that address and point the MX at it.
mx-target-cname = MX target { $subject } is an alias (CNAME to { $target })
    .explain = MX records must point at a canonical name, not an alias (RFC 2181 §10.3, RFC 5321 §5.1). Most senders follow the alias, some do not, and some reject the mail.
    .fix = Point the MX at { $target } directly.
mx-target-nxdomain = MX host { $subject } does not exist
    .explain = The MX points to a name that does not exist (NXDOMAIN). Senders skip it; if it is the only one, mail bounces or is retried until it expires.
    .fix = Fix the MX target, or create the host with its A/AAAA records.
mx-target-no-address = MX host { $subject } has no A or AAAA record
    .explain = The name exists but has no address, so senders cannot connect to it.
    .fix = Add A (and AAAA) records for { $subject }, or point the MX elsewhere.
mx-target-lookup-failed = Could not resolve MX host { $subject }: { $error }
    .explain = A temporary DNS failure: senders will retry, and mail is delayed while it lasts.
    .fix = Check the name servers of the zone that holds { $subject }.
mx-shared-address = MX hosts { $hosts } share the address { $subject }
    .explain = Several MX names lead to the same machine, so they give no redundancy.
mx-no-usable-host = None of the { $count } MX host(s) is usable
    .explain = Every MX host is broken (no name, no address, or an address that cannot be reached from the Internet): mail to the domain cannot be delivered.
    .fix = Fix the MX findings above.
mx-address-special = { $host } resolves to { $class ->
        [loopback] a loopback address
        [private] a private address
        [unspecified] the unspecified address
        [link-local] a link-local address
        [cgn] a carrier-grade NAT address
        [documentation] a documentation address
        [benchmark] a benchmarking address
        [multicast] a multicast address
       *[other] a reserved address
    } ({ $address })
    .explain = { $class ->
        [loopback] A loopback address points every sender at itself: they deliver to their own machine, which rejects it or loops ("mail loops back to myself").
        [unspecified] 0.0.0.0 is not a host; senders cannot connect to it.
        [documentation] Documentation ranges (RFC 5737, RFC 3849) are not routed on the Internet; senders cannot connect.
        *[other] This range is not reachable from the Internet, so outside senders cannot connect to it.
    }{ $test_domain ->
        [yes] { " " }The domain is under a special-use test name (RFC 6761), so this is reported one level lower than for a real domain.
       *[no] {""}
    }
    .fix = Publish the public address of { $host }.

## name servers

ns-lookup-failed = Could not get the name servers of { $zone }: { $error }
    .explain = Without the NS records the delegation cannot be checked.
    .fix = Check the delegation at the parent zone (your registrar).
ns-single = Only { $count } name server for { $zone }
    .explain = RFC 1034 §4.1 and RFC 2182 ask for at least two name servers on different networks; with one, a single outage makes the whole domain (and its mail) unreachable.
    .fix = Add a second name server (most DNS providers offer secondaries) and list it at the registrar.
ns-no-address = Name server { $subject } has no address: { $error }
    .explain = Resolvers cannot reach a name server they cannot resolve.
    .fix = Publish A/AAAA records (and glue at the parent) for { $subject }.
ns-unreachable = Name server { $subject } does not answer: { $error }
    .explain = Resolvers that pick it wait for the timeout and retry elsewhere: lookups get slow, and fail if every server is down.
    .fix = Check that the DNS server runs on { $address } and that UDP and TCP port 53 are open.
ns-lame = Lame delegation: { $subject } does not serve { $zone } ({ $rcode }, authoritative: { $aa })
    .explain = The zone is delegated to this server, but it does not answer authoritatively for it. Resolvers that ask it get an error or a non-answer and must try another server; some give up with SERVFAIL.
    .fix = Load the zone on { $host }, or remove { $host } from the NS records (and from the registrar).
ns-serial-mismatch = The name servers serve different versions of { $zone }: { $serials }
    .explain = Different SOA serials mean the secondaries have not caught up (failed zone transfers or NOTIFY): different resolvers get different answers depending on the server they ask.
    .fix = Check zone transfers (AXFR/IXFR, NOTIFY, TSIG keys, firewalls) from the primary to every secondary.
ns-nsset-mismatch = The name servers list different NS records for { $zone }
    .explain = The NS set of the zone must be the same on every authoritative server; a stale list keeps sending resolvers to old servers.
    .fix = Make every server serve the current zone (see the serial finding) and update the registrar's list.
ns-data-mismatch = The name servers give different answers for { $query }
    .explain = Depending on which name server a sender's resolver asks, mail goes to different hosts: some senders deliver to an old or wrong server.
    .fix = Synchronise the zone on every name server (zone transfers), then re-check.
ns-ok = { $count } name server address(es) answer authoritatively for { $zone } (serial { $serial })
    .explain = No lame delegation, and every server serves the same version of the zone.

## propagation

propagation-mismatch = The resolvers disagree on { $query }
    .explain = Different resolvers return different answers: a recent change has not propagated yet (old answers are still cached until their TTL expires), or the name servers themselves disagree.
    .fix = Wait for the TTL of the old records to expire; if it persists, compare the authoritative servers (name server findings).
propagation-ok = { $count } resolvers give the same answers
    .explain = SOA, NS, MX, SPF and DMARC answers agree between { $servers }.

## DNSSEC

dnssec-unsigned = { $zone } is not DNSSEC-signed
    .explain = Answers for the domain (MX, SPF, DKIM, TLSA) carry no signatures, so a resolver cannot tell forged answers from real ones, and DANE cannot be used (RFC 7672 needs DNSSEC). Validators see it as insecure: { $why }. Many domains are unsigned; this is a note, not a fault.
    .fix = Enable DNSSEC signing at your DNS provider, then publish the DS record it gives you at your registrar.
dnssec-no-ds = { $zone } is signed ({ $keys } DNSKEY), but the parent zone has no DS record
    .explain = Without a DS at the parent, no chain of trust leads to the keys: validating resolvers treat the zone as unsigned, and DANE (TLSA) records are ignored.
    .fix = Publish the DS record of the key-signing key at the registrar (your DNS provider shows it).
dnssec-ds-without-keys = The parent publishes a DS for { $zone }, but the zone serves no DNSKEY
    .explain = Validating resolvers (Google, Cloudflare, Quad9, most ISPs) expect signatures and find none: they answer SERVFAIL for every name of the domain. Senders cannot find the MX, defer the mail and finally bounce it (4.4.3, 4.4.7).
    .fix = Re-enable signing at the DNS provider, or (if the zone moved to an unsigned provider) remove the DS at the registrar, then wait for the DS TTL.
dnssec-ds-mismatch = No DS record of { $zone } matches its keys (DS key tags { $ds_tags }; DNSKEY tags { $key_tags })
    .explain = The chain of trust is broken: validating resolvers cannot authenticate the key set and answer SERVFAIL for the whole domain, so senders cannot resolve the MX and mail is deferred, then bounced. Typical after a key rollover or a provider change without updating the DS.
    .fix = Replace the DS at the registrar with the one for the current key-signing key (your DNS provider shows it).
dnssec-keyset-not-signed = The DNSKEY set of { $zone } is not validly signed by the key its DS points at ({ $kind ->
        [expired] signature expired { $detail }
        [not-yet-valid] signature valid only from { $detail }
        [bad-signature] signature does not verify: { $detail }
        [no-key] signed only by key tags { $detail }
        [unsupported-algorithm] algorithm { $detail } not supported
       *[other] no signature
    })
    .explain = Validating resolvers cannot authenticate the zone keys and answer SERVFAIL for the domain: mail to it is deferred, then bounced.
    .fix = Check the signer at your DNS provider (re-sign the zone, fix the key-signing key), or update the DS to the key that signs the key set.
dnssec-rrsig-invalid = The signature of { $query } is not valid ({ $kind ->
        [expired] expired { $detail }
        [not-yet-valid] valid only from { $detail }
        [bad-signature] does not verify: { $detail }
        [no-key] made by key tags { $detail }, not in the key set
        [unsupported-algorithm] algorithm { $detail } not supported
       *[other] missing
    })
    .explain = Validating resolvers reject this answer (SERVFAIL): senders behind them cannot use it, and mail is deferred or misrouted.
    .fix = Re-sign the zone (an expired signature usually means the signer stopped running), and check the clocks of the signing host.
dnssec-rrsig-expiring = The signature of { $query } expires in { $hours } h ({ $expires })
    .explain = If the zone is not re-signed before then, validating resolvers start answering SERVFAIL for it.
    .fix = Check that the automatic re-signing of your DNS provider or signer runs.
dnssec-ok = DNSSEC chain verified for { $zone }: DS → DNSKEY (key { $ksk }) → signatures of { $verified }, valid until { $until }
    .explain = mailway checked the signatures itself, from the trust anchor down: { $anchor }.
dnssec-validated = The resolver { $server } validated the answers (AD bit)
    .explain = A validating resolver checked the chain of trust from the root down to the domain.
dnssec-resolver-not-validating = The resolver { $server } does not validate DNSSEC (no AD bit)
    .explain = Its answers are not checked for forgery. mailway verified the chain of trust itself, from its trust anchor (see the DNSSEC findings).
dnssec-lookup-failed = Could not look up { $query }: { $error }
    .explain = The DNSSEC records could not be retrieved, so the signatures were not checked.
    .fix = Check the name servers of the domain (see the name server findings) and retry.
dnssec-chain-bogus = The DNSSEC chain of trust to { $zone } is broken at { $at }: { $why }
    .explain = Validating resolvers (Google, Cloudflare, Quad9, most ISPs) follow the chain from the root key down; where a link fails they answer SERVFAIL for every name below it, so senders cannot resolve the MX, defer the mail and finally bounce it (4.4.3, 4.4.7).
    .fix = Fix the zone named (re-sign it, or correct the DS at the registrar); if this is a private or test tree, give its key with --trust-anchor.
dnssec-chain-insecure = { $zone } is signed, but validators treat it as insecure: { $why }
    .explain = The DS and keys of the zone match, but no validated chain leads to them from the trust anchor, so its signatures protect nothing and DANE records are ignored.
    .fix = Sign the parent zones up to the trust anchor (or publish the DS there), or give the zone's key with --trust-anchor for a private tree.
dnssec-why = { $reason ->
        [resolver] validated by the resolver (AD bit)
        [local] verified by mailway from the trust anchor
        [no-trust-anchor] no trust anchor covers { $zone } (anchors: { $detail })
        [insecure-delegation] the parent proves with { $detail } that { $zone } has no DS: an insecure delegation
        [opt-out] { $zone } is in an NSEC3 opt-out span of its parent ({ $detail }): an unsigned delegation
        [nsec3-iterations] the parent's NSEC3 uses { $detail } iterations, more than validators compute (RFC 9276): treated as unsigned
        [unsupported-algorithm] the DS records of { $zone } use only algorithms mailway cannot check ({ $detail }): treated as unsigned
        [unsigned] { $zone } is not signed
        [no-ds] { $zone } has DNSKEYs but no DS at its parent
        [resolver-servfail] the resolver answers SERVFAIL: it validated and rejected the data
        [anchor-no-keys] the trust anchor's zone { $zone } serves no DNSKEY (anchor key tags { $detail }); check --trust-anchor
        [anchor-mismatch] no DNSKEY of { $zone } matches the trust anchor (anchor tags / key tags: { $detail }); check --trust-anchor
        [anchor-keyset-not-signed] the DNSKEY set of { $zone } is not signed by the trust anchor's key ({ $detail })
        [ds-signature] the DS record of a child of { $zone } is not validly signed ({ $detail })
        [ds-without-keys] the parent has a DS for { $zone } but the zone serves no DNSKEY
        [ds-mismatch] no DNSKEY of { $zone } matches its DS (tags { $detail })
        [keyset-not-signed] the DNSKEY set of { $zone } is not signed by the DS key ({ $detail })
        [ds-in-bitmap] { $zone } says a DS exists ({ $detail }) but returned none
        [denial-signature] the NSEC/NSEC3 proof of { $zone } that there is no DS does not verify ({ $detail })
        [no-ds-proof] { $zone } returns no DS for { $detail } and no signed NSEC/NSEC3 proof that there is none
        [no-delegation] { $zone } proves that { $detail } is not a delegation, yet it is served as a zone
        [signer-mismatch] the signature names { $zone } as signer, which is not a parent of { $detail }
        [missing-signature] no RRSIG although { $zone } is signed ({ $detail })
        [expired] the signature expired { $detail }
        [not-yet-valid] the signature is valid only from { $detail }
        [bad-signature] the signature does not verify: { $detail }
        [no-key] signed by key tags { $detail }, not in the key set of { $zone }
        [no-denial-proof] { $zone } answers "no record" for { $detail } without a signed NSEC/NSEC3 proof
        [type-in-bitmap] { $zone } says the record exists ({ $detail }) but returned none
        [indeterminate] could not be determined: { $detail }
        [no-data] no records to validate
       *[other] { $reason } { $detail }
    }

## SPF

spf-none = No SPF record
    .explain = Without SPF, receivers cannot tell which servers may send as { $domain }; mail is more likely to be junked, and anyone can forge the envelope sender.
    .fix = Publish a TXT record at { $domain } such as "v=spf1 mx -all" listing your sending servers (or "v=spf1 -all" if the domain sends no mail).
spf-multiple = { $count } SPF records at { $record_domain }
    .explain = RFC 7208 §4.5 allows exactly one "v=spf1" record; with more, every SPF check returns permerror and receivers treat the domain as having a broken SPF.
    .fix = Merge the records into one.
spf-lookup-failed = The SPF lookup failed: { $error }
    .explain = Receivers get temperror and may defer or accept the mail without SPF.
    .fix = Check the name servers of the domain.
spf-syntax = SPF syntax error in "{ $term }" (term { $position })
    .explain = { $kind ->
        [unknown-mechanism] "{ $term }" is not an SPF mechanism or modifier (valid: all, include, a, mx, ptr, ip4, ip6, exists, redirect=, exp=).
        [bad-ip4] The value of ip4 is not a valid IPv4 address or network.
        [bad-ip6] The value of ip6 is not a valid IPv6 address or network.
        [bad-cidr] The prefix length is out of range or badly written (IPv4 0-32, IPv6 0-128, no leading zeros).
        [missing-domain] This mechanism needs a domain after ":".
        [unexpected-argument] This mechanism does not take that argument.
        [bad-domain] The domain does not end in a valid top-level label.
        [bad-macro] The macro is invalid.
        [duplicate-modifier] redirect= and exp= may appear only once.
        [bad-modifier-name] The modifier name is invalid.
        [non-ascii] SPF records must be 7-bit ASCII (RFC 7208 §3.1).
        [control-char] Terms are separated by spaces only; a control character (line break, tab) breaks the record.
       *[other] { $detail }
    } Any syntax error makes the whole record a permerror (RFC 7208 §4.6): receivers ignore your SPF. Detail: { $detail }.
    .fix = Correct "{ $term }" in the SPF record of { $record_domain }.
spf-ptr = The record of { $record_domain } uses "{ $term }"
    .explain = The ptr mechanism is deprecated (RFC 7208 §5.5): slow, unreliable, and many receivers skip it or count it against you.
    .fix = Replace it with ip4/ip6 or a mechanisms naming your sending hosts.
spf-all-pass = "{ $term }": anyone may send as { $domain }
    .explain = "+all" authorises every IP address on the Internet, which makes SPF useless and tells receivers forgers are legitimate.
    .fix = End the record with "-all" (or "~all" while testing) after listing your real senders.
spf-all-neutral = "{ $term }": SPF makes no assertion
    .explain = "?all" gives the same result as no SPF for every unlisted server, so forged mail is not flagged.
    .fix = Use "~all" or "-all" once every sender is listed.
spf-redirect-ignored = redirect= is ignored because the record has an "all" mechanism
    .explain = RFC 7208 §6.1: redirect applies only when no mechanism matches, and "all" always matches.
spf-no-all = The record has no "all" and no redirect
    .explain = Unlisted servers get "neutral", so forged mail is not flagged.
    .fix = End the record with "-all" or "~all".
spf-include-no-spf = { $term }: { $target } has no SPF record
    .explain = An include whose target has no SPF record makes the evaluation a permerror (RFC 7208 §5.2) whenever it is reached: receivers then ignore your SPF.
    .fix = Fix or remove "{ $term }" (a typo? a provider that moved its record?).
spf-redirect-no-spf = { $term }: { $target } has no SPF record
    .explain = A redirect to a name without an SPF record is a permerror (RFC 7208 §6.1).
    .fix = Point redirect= to a name that publishes SPF.
spf-include-failed = Could not fetch the SPF record of { $subject } ({ $term }): { $error }
    .explain = Receivers get temperror when they reach this include.
    .fix = Check the name servers of { $subject }.
spf-loop = SPF loop: { $path }
    .explain = "{ $term }" in the record of { $record_domain } leads back to a record already being evaluated. Evaluation can never finish; receivers stop at the lookup limit with permerror.
    .fix = Remove the include/redirect that points back.
spf-mx-too-many = "{ $subject }": { $host } has { $count } MX records (limit 10)
    .explain = An mx mechanism may look at no more than 10 MX hosts (RFC 7208 §4.6.4); more is a permerror.
    .fix = Use ip4/ip6 ranges or an include instead.
spf-lookups-exceeded = SPF needs { $count } DNS lookups (limit { $limit })
    .explain = Counting every include, a, mx, ptr, exists and redirect through the whole include tree (the worst case a receiver may evaluate), the record needs more than { $limit } lookups. Receivers stop with permerror (RFC 7208 §4.6.4) and your SPF fails for mail from servers listed late in the record.
    .fix = Flatten: replace includes by the ip4/ip6 ranges they list, drop providers you no longer use, or move senders to a subdomain with its own record.
spf-lookups = SPF needs { $count } of { $limit } DNS lookups (worst case)
    .explain = Counted over the whole include/redirect tree. Close to the limit, adding one more provider will break SPF.
    .fix = Keep a margin: flatten includes you control.
spf-void-lookup = "{ $term }": { $target } does not exist or has no address
    .explain = A lookup that returns nothing (a "void lookup") matches nothing and wastes one of the two void lookups receivers allow (RFC 7208 §4.6.4).
    .fix = Remove "{ $term }" or fix the name.
spf-void-exceeded = { $count } void lookups (limit { $limit })
    .explain = Receivers stop with permerror after more than { $limit } lookups that return nothing (RFC 7208 §4.6.4).
    .fix = Remove the terms pointing at names that do not exist.
spf-ok = SPF record is valid
    .explain = "{ $record }"
spf-result = SPF for { $ip }: { $result }
    .explain = Evaluated as a receiver would for mail from { $sender } sent by { $ip }. Deciding term: { $term }. { $reason }
    .fix = { $result ->
        [fail] Add { $ip } to the SPF record (ip4:/ip6:, or the include of the provider that owns it).
        [softfail] Add { $ip } to the SPF record.
        [neutral] Add { $ip } to the SPF record and end it with ~all or -all.
        [none] Publish an SPF record that lists { $ip }.
        [permerror] Fix the SPF errors above; receivers ignore a broken record.
       *[other] Check the DNS of the domains in the record (temporary failure).
    }

## DMARC

dmarc-none = No DMARC record
    .explain = Without DMARC (a TXT record at _dmarc.{ $domain }, or one at its organisational domain), receivers apply no policy to mail that fails SPF and DKIM, you get no reports, and Gmail/Yahoo reject bulk mail from domains without one.
    .fix = Start with "v=DMARC1; p=none; rua=mailto:dmarc@{ $domain }" at _dmarc.{ $domain }, read the reports, then move to quarantine and reject.
dmarc-v-not-first = The DMARC record at { $location } does not start with v=DMARC1
    .explain = "{ $record }": receivers only accept records that begin with "v=DMARC1" (RFC 7489 §6.4); this one is ignored, so the domain effectively has no DMARC.
    .fix = Put "v=DMARC1;" first.
dmarc-lookup-failed = The DMARC lookup failed: { $error }
    .explain = Receivers cannot apply your policy while this lasts.
    .fix = Check the name servers of the domain.
dmarc-inherited = No record at _dmarc.{ $domain }: the policy of { $org_domain } applies
    .explain = Receivers walk up the DNS tree (RFC 9989 §4.10; the organisational domain of RFC 7489) and apply the record of { $org_domain } (its sp= for subdomains).
dmarc-multiple = { $count } DMARC records at { $location }
    .explain = More than one record is invalid (RFC 7489 §6.6.3, RFC 9989 §4.10): receivers treat the domain as having no DMARC.
    .fix = Keep exactly one record.
dmarc-syntax = DMARC error: { $kind ->
        [bad-value] invalid value "{ $value }" for { $tag }
        [duplicate] tag { $tag } repeated
        [missing-semicolon] missing ";" after { $tag }
        [bad-uri] { $tag } destination "{ $value }" is not a mailto: URI
        [v-not-first] v=DMARC1 is not the first tag
        [not-a-tag] "{ $value }" is not a tag=value pair
       *[other] { $tag }={ $value }
    }
    .explain = { $kind ->
        [bad-value] { $tag ->
            [p] p must be none, quarantine or reject; with an invalid p receivers ignore the record (or, with rua, treat it as p=none).
            [sp] sp must be none, quarantine or reject.
            [np] np must be none, quarantine or reject.
            [pct] pct must be a number from 0 to 100 (and is removed in RFC 9989).
            [adkim] adkim must be r (relaxed) or s (strict).
            [aspf] aspf must be r (relaxed) or s (strict).
            [fo] fo takes 0, 1, d or s, separated by ":".
            [v] The version must be exactly DMARC1.
           *[other] The value is not allowed for this tag.
        }
        [missing-semicolon] Tags are separated by ";". Here "{ $value }" is read as one value, so the next tag is lost (often p=, leaving no policy).
        [bad-uri] Report destinations must be mailto: URIs with an address, optionally with a size limit (mailto:dmarc@example.com!10m).
        *[other] Receivers reject invalid records and may ignore your policy.
    }
    .fix = Correct the record at _dmarc.{ $domain }.
dmarc-unknown-tag = Unknown DMARC tag "{ $tag }"
    .explain = Receivers ignore tags they do not know; a typo here silently loses a setting.
    .fix = Remove it or fix the spelling.
dmarc-no-policy = The DMARC record has no valid p= policy
    .explain = { $has_rua ->
        [yes] Receivers treat it as p=none because it has rua (RFC 7489 §6.6.3): no protection.
       *[other] Without p= and without rua, receivers discard the record: no DMARC.
    }
    .fix = Add "p=none" (monitoring), "p=quarantine" or "p=reject".
dmarc-pct-removed = pct={ $pct } is used; RFC 9989 removed it
    .explain = pct applied the policy to a share of failing mail. DMARCbis (RFC 9989) drops it (use t=y for testing); receivers following it ignore pct, so the full policy applies.
    .fix = Remove pct; use "t=y" while testing.
dmarc-removed-tag = { $tag }= is obsolete
    .explain = RFC 9989 removed rf and ri; receivers ignore them.
    .fix = Remove { $tag }=.
dmarc-policy-none = DMARC policy is p=none (monitoring only)
    .explain = Receivers send reports but take no action on mail that fails DMARC: forged mail from { $domain } is still delivered.
    .fix = When the reports show your legitimate mail passes, move to p=quarantine, then p=reject.
dmarc-ok = DMARC policy p={ $policy } (alignment: DKIM { $adkim }, SPF { $aspf })
    .explain = Mail that fails both SPF and DKIM alignment is { $policy ->
        [reject] rejected.
       *[other] quarantined (usually junk folder).
    }
dmarc-testing = DMARC is in testing mode (t=y)
    .explain = Receivers apply a policy one level weaker (RFC 9989).
dmarc-no-rua = No aggregate report address (rua=)
    .explain = Without rua you receive no DMARC reports, so you cannot see who sends as your domain or whether your mail passes.
    .fix = Add "rua=mailto:dmarc-reports@{ $domain }".
dmarc-external-authorized = { $destination } accepts DMARC reports for { $domain } ({ $tag })
    .explain = The external destination publishes the authorisation record (RFC 7489 §7.1).
dmarc-external-unauthorized = { $tag } goes to { $destination }, which does not accept reports for { $domain }
    .explain = Reports to another domain are only sent if that domain publishes "v=DMARC1" at { $record_name } (RFC 7489 §7.1). It does not, so receivers drop these reports.
    .fix = Ask the operator of { $destination } to publish { $record_name } TXT "v=DMARC1", or send reports to an address in your own domain.

## DKIM

dkim-cname = Selector { $selector } is delegated by CNAME to { $target }
    .explain = The key is published by another party (usually your mail provider), which can rotate it without changes in your zone.
dkim-selector-missing = No DKIM key at selector { $selector }
    .explain = { $selector }._domainkey.{ $domain } does not exist, so mail signed with s={ $selector } fails DKIM.
    .fix = Publish the public key your mail server signs with at { $selector }._domainkey.{ $domain }, or check the selector name in the DKIM-Signature header.
dkim-lookup-failed = Could not look up selector { $selector }: { $error }
    .explain = Receivers get a temporary error and may treat the signature as temperror.
    .fix = Check the name servers of the domain.
dkim-not-a-key = Selector { $selector } has TXT data but no DKIM key
    .explain = The record has no p= tag, so it is not a DKIM key record.
    .fix = Publish "v=DKIM1; k=rsa; p=<base64 public key>".
dkim-multiple = Selector { $selector } has { $count } key records
    .explain = Receivers may pick either record; verification becomes unpredictable.
    .fix = Keep one record per selector.
dkim-syntax = DKIM key { $selector }: { $kind ->
        [v-not-first] v= is not the first tag
        [bad-version] version "{ $what }" is not DKIM1
        [no-p] no p= tag
        [bad-base64] the key (p=) is not valid base64
        [bad-key] the key is not a valid { $what } public key
        [unknown-key-type] unknown key type "{ $what }"
        [duplicate] tag { $what } repeated
       *[other] malformed record ({ $what })
    }
    .explain = Receivers cannot use a malformed key record: every signature with this selector fails (RFC 6376 §3.6.1).
    .fix = Re-publish the key exactly as your signing software exports it ("v=DKIM1; k=rsa; p=...").
dkim-revoked = DKIM key { $selector } is revoked (empty p=)
    .explain = An empty p= means the key was withdrawn: signatures with this selector fail.
    .fix = If mail is still signed with { $selector }, publish its current public key; otherwise stop signing with it.
dkim-testing = DKIM key { $selector } is in testing mode (t=y)
    .explain = Receivers treat failures as if the message were unsigned; the key gives no protection.
    .fix = Remove t=y once signing works.
dkim-sha1 = DKIM key { $selector } allows only SHA-1 (h=sha1)
    .explain = RFC 8301 forbids rsa-sha1 signatures; receivers reject them.
    .fix = Sign with rsa-sha256 and remove h=sha1.
dkim-rsa-weak = DKIM key { $selector } is only { $bits } bits
    .explain = RSA keys under 1024 bits are rejected by receivers (RFC 8301) and can be factored.
    .fix = Generate a 2048-bit key, publish it under a new selector, then switch signing to it.
dkim-rsa-1024 = DKIM key { $selector } is { $bits } bits
    .explain = 1024-bit RSA is the minimum receivers accept (RFC 8301) and is considered weak; 2048 bits is recommended.
    .fix = Rotate to a 2048-bit key under a new selector.
dkim-key-ok = DKIM key { $selector }: { $type }, { $bits } bits
    .explain = The key record is valid.
dkim-ed25519-only = Selector { $selector } is an Ed25519 key
    .explain = Ed25519 (RFC 8463) is fine, but not every receiver verifies it yet; sign with an RSA key too.
dkim-none-found = No DKIM key found at { $count } common selectors
    .explain = DKIM keys live at <selector>._domainkey.{ $domain }, and the selector can be any name; none of the common ones has a key.
    .fix = Give your selector with --dkim-selector (it is the s= of the DKIM-Signature header of your mail).

## MTA-STS

mta-sts-none = No MTA-STS record
    .explain = Without MTA-STS (RFC 8461), senders fall back to unauthenticated, downgradable STARTTLS when delivering to { $domain }.
    .fix = Publish _mta-sts.{ $domain } TXT "v=STSv1; id=YYYYMMDD01" and a policy at https://mta-sts.{ $domain }/.well-known/mta-sts.txt (start with mode: testing).
mta-sts-lookup-failed = The MTA-STS lookup failed: { $error }
    .explain = Senders cannot tell whether a policy exists while this lasts.
    .fix = Check the name servers of the domain.
mta-sts-multiple = { $count } MTA-STS records
    .explain = With more than one v=STSv1 record, senders must treat the domain as having no MTA-STS policy (RFC 8461 §3.1).
    .fix = Keep one record.
mta-sts-txt-syntax = MTA-STS record: { $kind ->
        [bad-version] does not start with v=STSv1
        [no-id] no id=
        [bad-id] invalid id "{ $detail }"
       *[other] { $detail }
    }
    .explain = The id must be 1 to 32 letters and digits (RFC 8461 §3.1); senders ignore an invalid record and never pick up policy changes.
    .fix = Use an id such as 20261127T000000 (letters and digits only) and change it whenever the policy changes.

## TLS reporting

tls-rpt-none = No TLS reporting record
    .explain = Without _smtp._tls.{ $domain } (RFC 8460) you get no reports of TLS failures when others deliver to you.
    .fix = Publish _smtp._tls.{ $domain } TXT "v=TLSRPTv1; rua=mailto:tlsrpt@{ $domain }".
tls-rpt-lookup-failed = The TLS-RPT lookup failed: { $error }
    .explain = Senders cannot find where to report.
    .fix = Check the name servers of the domain.
tls-rpt-multiple = { $count } TLS-RPT records
    .explain = With several records senders do not report (RFC 8460 §3).
    .fix = Keep one record.
tls-rpt-syntax = TLS-RPT record: { $kind ->
        [bad-uri] "{ $detail }" is not a mailto: or https: URI
        [no-rua] no rua=
        [bad-version] does not start with v=TLSRPTv1
       *[other] { $detail }
    }
    .explain = Report destinations must be mailto: or https: URIs (RFC 8460 §3); other schemes are ignored, so no reports arrive.
    .fix = Use rua=mailto:... or rua=https://...
tls-rpt-ok = TLS reporting is set up
    .explain = "{ $record }"

## DANE

dane-lookup-failed = Could not look up or validate the TLSA records of { $subject }: { $error }
    .explain = Senders that validate DANE treat a failed TLSA lookup as a temporary error and defer mail.
    .fix = Check the DNS (and DNSSEC) of the zone of { $subject }.
dane-tlsa-invalid = TLSA record of { $host }: { $kind ->
        [bad-length] the digest length does not match the matching type
        [bad-usage] unknown certificate usage
        [bad-selector] unknown selector
        [bad-matching] unknown matching type
        [pkix-usage] PKIX usage (0 or 1) is not used for SMTP
       *[other] invalid
    } ({ $record })
    .explain = { $kind ->
        [pkix-usage] RFC 7672 §3.1.3: SMTP senders treat usages 0 and 1 as unusable; use 3 (DANE-EE) or 2 (DANE-TA).
       *[other] A TLSA record that cannot match any certificate makes DANE-validating senders refuse to deliver (they defer mail).
    }
    .fix = Publish "3 1 1 <SHA-256 of the server's public key>" (e.g. from `openssl x509 -pubkey | openssl pkey -pubin -outform DER | sha256sum`).
dane-unsigned = TLSA records of { $host } are not DNSSEC-secure ({ $why }): DANE is not in effect
    .explain = RFC 7672 §2.2: senders use only TLSA records from validated (secure) answers; these are ignored, so the MX hosts get opportunistic TLS that an attacker can strip.
    .fix = Sign the zone with DNSSEC and publish the DS at the parent.
dane-ok = DANE: { $count } TLSA record(s) for { $host }, DNSSEC-validated
    .explain = The records at { $tlsa_name } are well-formed, and they, the host's addresses and the MX records are secure: { $why }{ $validated ->
        [resolver] .
       *[other] , anchored at { $anchor }.
    }
dane-tlsa-bogus = TLSA records of { $host } fail DNSSEC validation: { $why }
    .explain = RFC 7672 §2.2: validating senders cannot trust this host's TLSA records and defer mail to it (it is unusable for them) until the signatures are fixed.
    .fix = Re-sign the zone { $zone } (check that the signer runs and the DS matches the key-signing key).
dane-tlsa-denial-bogus = The "no TLSA records" answer for { $host } fails DNSSEC validation: { $why }
    .explain = { $zone } is signed, so a validating resolver expects a signed proof that { $query } does not exist; without it the answer is bogus: DANE senders get SERVFAIL for the TLSA lookup and defer mail to { $host }.
    .fix = Re-sign the zone { $zone } so that negative answers carry their NSEC/NSEC3 records (check the signer and the name servers' DNSSEC support).
dane-mx-bogus = The MX records ({ $query }) fail DNSSEC validation: { $why }
    .explain = Validating senders get SERVFAIL for the MX lookup and defer all mail to the domain; the TLSA records of the MX hosts are never reached.
    .fix = Re-sign the zone { $zone } (check that the signer runs and the DS matches the key-signing key).
dane-mx-insecure = DANE is not in effect: the MX records ({ $query }) are not DNSSEC-secure ({ $why })
    .explain = RFC 7672 §2.2.1: the TLSA records of the MX hosts ({ $with }) protect only when the MX records are validated; otherwise an attacker can substitute the MX, and senders fall back to opportunistic TLS.
    .fix = Sign the zone of the domain with DNSSEC and publish the DS at the parent.
dane-mx-unvalidated = Could not establish the DNSSEC status of the MX records ({ $query }): { $why }
    .explain = Without a validated MX RRset, senders do not use the TLSA records of the MX hosts.
    .fix = Check the DNS (and DNSSEC) of the domain.
dane-address-bogus = The address records of { $host } fail DNSSEC validation: { $why }
    .explain = Validating senders cannot resolve the MX host (SERVFAIL) and defer mail to it; its TLSA records are never used.
    .fix = Re-sign the zone { $zone } (check that the signer runs and the DS matches the key-signing key).
dane-address-insecure = DANE is not in effect for { $host }: its address records are not DNSSEC-secure ({ $why })
    .explain = RFC 7672 §2.2.2: senders look up TLSA records only for MX hosts whose address records (and CNAMEs) are secure; the TLSA records published for { $host } are ignored.
    .fix = Sign the zone that serves the address records of { $host } (or point the MX at a name in a signed zone).
dane-none = No TLSA records on the { $count } MX host(s)
    .explain = Without DANE (RFC 7672), senders use opportunistic TLS that an attacker can strip. Needs DNSSEC.
dane-partial = Only { $with } of { $count } MX hosts have TLSA records
    .explain = Senders that use DANE protect delivery only to the hosts with TLSA records.
    .fix = Publish TLSA records for every MX host.

## BIMI

bimi-none = No BIMI record
    .explain = BIMI (default._bimi.{ $domain }) lets supporting mailboxes show your logo; optional.
bimi-multiple = { $count } BIMI records
    .explain = With several records the logo is not shown.
    .fix = Keep one record.
bimi-declined = BIMI is explicitly declined (empty l= and a=)
    .explain = The domain says it has no logo.
bimi-syntax = BIMI record: { $kind ->
        [logo-not-https] logo URL is not HTTPS ({ $detail })
        [logo-not-svg] logo is not an SVG file ({ $detail })
        [vmc-not-https] certificate (a=) URL is not HTTPS
        [bad-version] does not start with v=BIMI1
        [duplicate] tag { $detail } repeated
        [unknown-tag] unknown tag { $detail }
       *[other] { $detail }
    }
    .explain = Mailboxes fetch the logo over HTTPS only, and only in the SVG Tiny PS format; other logos are not shown.
    .fix = Publish l=https://.../logo.svg (SVG Tiny Portable/Secure).
bimi-no-vmc = The BIMI record has no certificate (a=)
    .explain = Most large mailboxes (Gmail, Apple, Yahoo) show the logo only with a Verified Mark Certificate.
bimi-dmarc-not-enforced = BIMI needs DMARC at quarantine or reject (now: { $policy })
    .explain = Mailboxes ignore BIMI for domains whose DMARC policy does not enforce.
    .fix = Move DMARC to p=quarantine or p=reject.
bimi-ok = BIMI record is valid (logo { $logo })
    .explain = The record is well-formed.

## sending IP

ip-address-special = { $ip } is not a public address ({ $class })
    .explain = Receivers on the Internet never see mail from this address; the checks below describe a private or test setup.
ip-lookup-failed = Could not look up the PTR of { $ip }: { $error }
    .explain = A temporary failure; receivers that check reverse DNS defer or reject mail meanwhile.
    .fix = Check the reverse zone's name servers (usually your hosting provider's).
ip-ptr-missing = { $ip } has no reverse DNS (PTR)
    .explain = Many receivers (Gmail, Microsoft, most Postfix setups with reject_unknown_client_hostname) reject or junk mail from addresses without a PTR record.
    .fix = Ask the owner of the address (your hosting or ISP) to set a PTR to your mail server's name, e.g. mail.{ $domain }.
ip-ptr-multiple = { $ip } has several PTR records ({ $names })
    .explain = Receivers pick one at random; forward confirmation may fail for the others.
    .fix = Keep a single PTR record.
ip-fcrdns-mismatch = { $name } (PTR of { $ip }) does not resolve back to { $ip } (it gives { $forward })
    .explain = Forward-confirmed reverse DNS fails: the PTR name must have an A/AAAA record with the same address. Receivers treat the name as forged ("unknown" in Postfix logs).
    .fix = Add an A/AAAA record { $name } → { $ip }, or change the PTR to a name that resolves to { $ip }.
ip-ptr-generic = { $name } looks like a generic (dynamic or pool) name
    .explain = Names that embed the address or words like dyn/dhcp/pool are typical of end-user lines; many receivers reject mail from them.
    .fix = Set a PTR naming your mail server (mail.{ $domain }), with a matching A record.
ip-fcrdns-ok = { $ip } ↔ { $name }: forward-confirmed reverse DNS
    .explain = The PTR name resolves back to the address.

## blocklists

blocklist-not-listed = Not listed in { $zone }
    .explain = { $target } is not on this list.
blocklist-listed = { $target } is listed in { $zone }: { $meaning }
    .explain = Receivers that use { $zone } reject or junk mail from { $target } (return codes { $codes }).
    .fix = Find and stop the cause (compromised account, open relay, infected host, dynamic range), then request delisting on the list operator's site.
blocklist-domain-listed = { $target } is listed in { $zone }: { $meaning }
    .explain = Receivers that use { $zone } reject or junk mail mentioning { $target } (return codes { $codes }).
    .fix = Remove the cause (compromised site, abused redirect, spam campaign), then request delisting from the list operator.
blocklist-query-error = { $zone } refused the query ({ $code }: { $meaning ->
        [public-resolver] queries through a public or open resolver are blocked
        [over-limit] query limit exceeded
        [typo-in-zone] the list name is wrong
       *[other] query refused
    })
    .explain = The list answered with an error code in 127.255.255.0/24, not a listing: its result says nothing about { $target }.
    .fix = Query the list through your own resolver (not 8.8.8.8/1.1.1.1), register for a data feed, or fix the zone name.
blocklist-list-broken = { $zone } failed its self-test ({ $why ->
        [test-not-listed] its test entry is not listed
        [lists-everything] it lists 127.0.0.1, i.e. everything
        [invalid-answer] it answers outside 127.0.0.0/8
       *[other] unexpected answers
    })
    .explain = RFC 5782 §5: a working list lists its test entry (127.0.0.2) and never lists 127.0.0.1. This one does not behave, so its answers are ignored rather than reported as listings.
    .fix = Remove { $zone } from your configuration (it may be dead or wildcarded).
blocklist-lookup-failed = Could not query { $zone }: { $error }
    .explain = No answer from the list, so the result is unknown.
mx-no-ptr = MX address { $address } ({ $hosts }) has no reverse DNS
    .explain = Receiving does not need a PTR, but MX hosts usually also send (bounces, forwards, replies), and receivers reject or junk mail from addresses without reverse DNS.
    .fix = Ask the owner of { $address } to set a PTR to the host name, with a matching A/AAAA record.
mta-sts-fetch-failed = The MTA-STS policy could not be fetched ({ $kind ->
        [resolve] name not resolvable
        [connect] connection failed
        [tls] TLS/certificate error
        [timeout] timeout
       *[other] HTTP error
    }: { $detail })
    .explain = The TXT record announces a policy, but { $url } cannot be fetched. Senders without a cached policy fall back to plain opportunistic TLS (RFC 8461 §3.3): the record protects nothing.
    .fix = Serve the policy at { $url } over HTTPS with a certificate valid for mta-sts.{ $domain } (publicly trusted), or remove the _mta-sts record.
mta-sts-redirect = The MTA-STS policy URL redirects ({ $detail })
    .explain = RFC 8461 §3.3: senders must not follow redirects when fetching the policy, so the fetch fails.
    .fix = Serve the policy directly at { $url } (HTTP 200), not via a redirect.
mta-sts-too-large = The MTA-STS policy is too large ({ $detail })
    .explain = Senders limit the policy size (64 KB here); a larger answer is usually an error page.
    .fix = Serve the small text policy only.
mta-sts-http-status = The MTA-STS policy URL answers HTTP { $detail }
    .explain = Only 200 is a policy (RFC 8461 §3.3); senders treat anything else as no policy.
    .fix = Publish the policy file at { $url }.
mta-sts-content-type = The policy is served as { $content_type }, not text/plain
    .explain = RFC 8461 §3.3 requires the media type text/plain; strict senders reject other types.
    .fix = Configure the web server to send Content-Type: text/plain for mta-sts.txt.
mta-sts-policy-syntax = MTA-STS policy: { $kind ->
        [no-version] no "version: STSv1"
        [bad-version] unknown version { $detail }
        [bad-mode] invalid mode "{ $detail }"
        [no-mode] no mode
        [no-mx] no mx line
        [bad-max-age] invalid max_age "{ $detail }"
        [no-max-age] no max_age
        [bad-line] unreadable line "{ $detail }"
       *[other] { $detail }
    }
    .explain = Senders discard an invalid policy (RFC 8461 §3.2): mode must be enforce, testing or none; max_age at most 31557600; at least one mx unless mode is none.
    .fix = Correct the policy file at https://mta-sts.{ $domain }/.well-known/mta-sts.txt and change the id of the TXT record.
mta-sts-mx-mismatch = MX host { $host } does not match the MTA-STS policy ({ $patterns })
    .explain = { $mode ->
        [enforce] In enforce mode senders refuse to deliver to an MX host the policy does not list: mail to { $host } is deferred and then bounced.
       *[other] In testing mode senders deliver anyway but report the failure (TLS-RPT); in enforce mode this host would be refused.
    }
    .fix = Add "mx: { $host }" (or a matching *. pattern) to the policy, then change the id of the TXT record.
mta-sts-ok = MTA-STS policy enforced (max_age { $max_age } s, mx: { $patterns })
    .explain = Senders that support MTA-STS deliver only over validated TLS to the listed MX hosts.
mta-sts-mode-testing = MTA-STS policy is in testing mode
    .explain = Senders report failures (TLS-RPT) but still deliver; switch to enforce when the reports are clean.
mta-sts-mode-none = MTA-STS policy mode is none
    .explain = The policy is published but disabled.

## evidence and details that are not DNS answers (LocalArg / Evidence::local)

dnssec-ev-trust-anchors = trust anchors
dnssec-ev-trust-anchor = trust anchor { $zone }
dnssec-ev-anchor-iana = built-in IANA root keys KSK-2017, KSK-2024
ns-ev-at-each-server = { $name } { $type } at each server
ns-ev-differ = differ
spf-ev-tree = { $domain } SPF include/redirect tree
spf-ev-tree-lookups = { $count } DNS-querying terms (worst case)
spf-ev-tree-line = { $head }: { $record ->
        [none] (no SPF record)
       *[other] { $record }
    } [{ $lookups } lookups]
spf-ev-result = result: { $result }
spf-ev-decided-by = decided by: { $term }
spf-ev-reason = reason: { $reason }
spf-ev-lookups = DNS-querying terms evaluated: { $count }
spf-reason-lookups = more than { $limit } DNS-querying terms
spf-reason-voids = more than { $limit } void lookups
spf-reason-too-deep = include/redirect nesting too deep
spf-reason-multiple = { $count } SPF records at { $domain }
spf-reason-not-ascii = SPF record of { $domain } is not ASCII
spf-reason-syntax = syntax error in SPF record of { $domain }: { $term } ({ $detail })
spf-reason-bad-target = { $term } target { $target } is invalid
spf-reason-include-temperror = include:{ $target } gave temperror
spf-reason-include-unusable = include:{ $target } gave { $result } (no usable SPF record)
spf-reason-redirect-none = redirect={ $target } has no SPF record
spf-reason-too-many-mx = mx:{ $host } has { $count } MX records (limit { $limit })
spf-detail-macro-char = character { $value } not allowed in a macro-string
spf-detail-macro-unterminated = unterminated macro %{"{"}
spf-detail-macro-letter = unknown macro letter { $value }
spf-detail-macro-bad-char = invalid character { $value } in macro
spf-detail-macro-digits = bad macro digits { $value }
spf-detail-macro-zero = macro transformer 0 is not allowed
spf-detail-macro-invalid = invalid macro { $value }
spf-detail-macro-lone-percent = lone % at end
spf-detail-empty-domain = empty domain
spf-detail-no-tld = { $value } has no top-level label
spf-detail-bad-tld = { $value } is not a valid top-level label
spf-detail-not-domain = { $value } does not end in a domain name
spf-detail-bad-prefix = bad IPv{ $family } prefix length { $value }
spf-detail-unexpected = unexpected { $value }
spf-detail-non-ascii = the record contains non-ASCII characters
spf-detail-control-char = control character { $value } in the record (terms are separated by spaces)
spf-detail-modifier-name = invalid modifier name { $value }
spf-detail-modifier-twice = { $name }= appears more than once
spf-detail-no-argument = { $term } takes no argument here: { $value }
spf-detail-no-prefix = { $term } does not take a prefix length
spf-detail-needs-domain = { $term }: needs a domain
spf-detail-needs-colon-domain = { $term } needs :domain
spf-detail-bad-argument = { $term } does not take { $value }
spf-detail-needs-address = { $term } needs :address
spf-detail-not-ip = { $value } is not an IPv{ $family } address
spf-detail-unknown-mechanism = unknown mechanism { $value }
mta-sts-ev-no-address = { $host } has no address
mta-sts-ev-http-ok = HTTP 200 from { $addr }
mta-sts-ev-io-error = { $addr }: { $kind ->
        [refused] connection refused
        [timeout] connection timed out
        [reset] connection reset
        [unreachable] unreachable
       *[other] { $error }
    }
