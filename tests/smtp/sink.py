"""A real SMTP server for the tests (aiosmtpd): prints `READY <port>`, then one JSON line per
message it accepts ({"from", "to", "data": base64 of the message as received}).

Refusals, to test NRP's handling of them:
  --temp-failures N   answer the first N messages' DATA with 451 (transient), not counting the
                      sign-up confirmations every company signed up through the form gets
  a recipient starting with "refuse-" is answered 550 at RCPT (permanent)
"""

import argparse
import asyncio
import base64
import email
import email.policy
import json
import sys

SIGN_UP_CONFIRMATION = "Confirm your email for NRP"

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, temp_failures):
        self.temp_failures = temp_failures

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("refuse-"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        subject = email.message_from_bytes(raw, policy=email.policy.default).get("Subject", "")
        if self.temp_failures > 0 and subject != SIGN_UP_CONFIRMATION:
            self.temp_failures -= 1
            return "451 4.3.0 Try again later"
        line = {"from": envelope.mail_from, "to": envelope.rcpt_tos, "data": base64.b64encode(raw).decode()}
        print(json.dumps(line), flush=True)
        return "250 2.0.0 Accepted"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--temp-failures", type=int, default=0)
    args = parser.parse_args()
    handler = Handler(args.temp_failures)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="sink.test"), "127.0.0.1", 0)
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    # Stop when the test goes away (its end of stdin closes).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
