# IANA enhanced status code registry: class and subject names. Code titles and meanings in English come from data/registry.toml.

status-class-2 = Success
status-class-4 = Persistent transient failure
status-class-5 = Permanent failure
status-subject-0 = Other or undefined status
status-subject-1 = Addressing status
status-subject-2 = Mailbox status
status-subject-3 = Mail system status
status-subject-4 = Network and routing status
status-subject-5 = Mail delivery protocol status
status-subject-6 = Message content or media status
status-subject-7 = Security or policy status
