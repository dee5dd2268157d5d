# Provider-specific notes (keys from data/providers.toml: provider-<key>). English.
provider-postmaster = { $provider } publishes guidance for senders: { $url }

provider-ms-447-expired = Microsoft 365 / Exchange: 4.4.7 "QUEUE.Expired" means Exchange kept retrying until the message expired (about 24 hours in Exchange Online, 2 days by default on Exchange Server). The "LastError" or "LastAttemptedServerName" details in the bounce name the real problem, usually at the destination.
provider-ms-4316 = Microsoft 365: 4.4.316 / 5.4.316 means the destination server refused the connection (socket error 10061) on every attempt. The destination's mail server is down or firewalled; Microsoft 365 is not at fault.
provider-ms-4312 = Microsoft 365: 4.4.312 / 5.4.312 "DNS query failed" means the recipient domain's DNS did not answer or has no usable MX record.
provider-ms-4317 = Microsoft 365: this code is about TLS to the destination: it requires STARTTLS (MTA-STS, DANE or a connector setting) and the destination's TLS or certificate failed.
provider-ms-4318 = Microsoft 365: 4.4.318 / 5.4.318 means the connection was closed abruptly by the remote server; repeated, it ends in expiry.
provider-ms-7606 = Microsoft (Outlook.com / Microsoft 365): 5.7.606–5.7.649 means the sending IP address is banned. Request removal at https://sender.office.com after fixing the cause.
provider-ms-7708 = Microsoft 365: 5.7.700–5.7.750 means the sending tenant was blocked for suspicious traffic (often a compromised account or unverified domains). An administrator of that tenant must contact Microsoft support.
provider-ms-750x = Microsoft: 4.7.500–4.7.699 "Access denied, please try again later" is temporary throttling of suspicious traffic from the sending IP; it lifts on its own if the traffic is legitimate.
provider-ms-7509 = Microsoft: 5.7.509 / 5.7.515 means the sender's domain failed DMARC or does not meet Microsoft's authentication requirements for bulk senders (SPF, DKIM and DMARC must all pass and align).
provider-ms-7511 = Microsoft: 5.7.511 / 5.7.513 means the sender (or IP) is on a block list, either Microsoft's or the recipient organisation's own.
provider-ms-s3150 = Outlook.com: S3150 / S3140 means the sending IP address range is on Microsoft's block list. Use the Outlook.com sender support form to request mitigation.
provider-ms-s3115 = Outlook.com: the sending server opened too many connections or sent too fast (S3115/S3114/S775). Lower the concurrency to Microsoft's servers.
provider-ms-511 = Microsoft 365: RESOLVER.ADR.RecipientNotFound means the address does not exist in the recipient's organisation (Exchange directory).
provider-ms-7-1-service = Microsoft: 5.7.1 "Service unavailable; Client host blocked" means the receiving organisation or Microsoft blocks the sending IP address.
provider-ms-ou002 = Outlook.com: OU-00x codes mean Microsoft temporarily throttles the sending IP because of its reputation; send less and fix complaints.
provider-ms-2122 = Microsoft 365: the recipient received too many messages per hour (5.2.121/5.2.122). The limit resets within the hour.

provider-google-4728 = Gmail: 4.7.28 means Gmail saw an unusual rate of mail from your IP address, DKIM or SPF domain and is temporarily rate limiting it. Send more slowly and check complaints in Google Postmaster Tools.
provider-google-421-unusual = Gmail: "unusual rate of unsolicited mail" is about your sending IP's or domain's reputation with Gmail users, not about this one message.
provider-google-421 = Gmail: 421 4.7.0 is a temporary refusal (reputation, missing PTR or authentication, or TLS required). Gmail's text after the code says which.
provider-google-4-2-1 = Gmail: 4.2.1 "receiving mail too quickly" means this one recipient gets too much mail; it is not your reputation. The retry usually succeeds.
provider-google-5-7-26 = Gmail requires SPF or DKIM for every sender, and SPF, DKIM and DMARC with alignment for bulk senders (more than 5000 messages a day to Gmail).
provider-google-5-1-1 = Gmail: 5.1.1 "NoSuchUser" is definitive: that Gmail address does not exist.
provider-google-5-2-1 = Gmail: the account exists but is disabled or inactive; mail to it will not be delivered.
provider-google-5-2-2 = Gmail: the recipient's Google storage (mail, Drive and Photos together) is full.
provider-google-tls = Gmail (or this Google Workspace domain) requires TLS; the sending server must use STARTTLS.
provider-google-ptr = Gmail requires a PTR record on the sending IP that resolves back to it (and IPv6 senders need both PTR and authentication).
provider-google-5-7-1-reputation = Gmail judges this message or its sender as likely spam; Google Postmaster Tools shows your domain's and IP's reputation.

provider-yahoo-tss04 = Yahoo: TSS04 means messages from your IP are temporarily deferred (volume, complaints, or missing authentication). Keep retrying slowly; check complaints and that SPF, DKIM and DMARC pass.
provider-yahoo-tss09 = Yahoo: TSS09/TSS11 means all mail from your IP is permanently refused; retrying will not help. Contact Yahoo's sender support after fixing the cause.
provider-yahoo-ts0x = Yahoo: TS01–TS03 means the sending IP is blocked for poor reputation.
provider-yahoo-ph01 = Yahoo: PH01 / "not accepted for policy reasons" means the content or sender violates Yahoo's policy (often spam-like content or a URL with bad reputation).
provider-yahoo-bl21 = Yahoo: BL21–BL23 means the sending IP is on a Spamhaus list; get it delisted at spamhaus.org first.

provider-apple-policy = iCloud: "[CS01]/[HM08] Message rejected due to local policy" is iCloud's spam/policy filter; check authentication and content, and Apple's postmaster guidelines.
provider-apple-blocked = iCloud: the sending IP is on a blocklist used by Apple (Spamhaus, Proofpoint).

provider-gmx-blocked = GMX / WEB.DE: they require a valid PTR, SPF/DKIM and a clean IP; the rejection names which check failed.
provider-mailru-spam = Mail.ru rejected the message as spam or from a dynamic IP; see postmaster.mail.ru.
provider-yandex-spam = Yandex rejected the message as suspected spam or for failing DMARC.
provider-orange-ofr = Orange / La Poste: the OFR/LPN codes are their own; "service refusé" usually means the sending IP is throttled or blocked temporarily.
provider-comcast-rl = Comcast: RL codes are rate limits and BL codes block listings of the sending IP; see postmaster.comcast.net.
provider-mimecast-blocked = Mimecast filters mail for the recipient's organisation; the rejection text names the policy (reputation, envelope block). The recipient's IT can allow your sender or IP.
provider-proofpoint-blocked = Proofpoint filters mail for the recipient's organisation; check your IP at ipcheck.proofpoint.com and request removal there.
provider-barracuda-blocked = Barracuda: the sending IP is on the Barracuda Reputation Block List; request removal at barracudacentral.org.
