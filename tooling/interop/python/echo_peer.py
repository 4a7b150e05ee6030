"""Runs the interop echo cases with python-websockets (the asyncio client of 10.x and later).

Usage: python3 echo_peer.py URL  < {"cases": [...], "ca": "PEM" | null}
Prints one JSON list on stdout: a result per case, in the shape of CaseResult in src/cases.ts.
Binary payloads travel as base64 in both directions.
"""

import asyncio
import base64
import json
import ssl
import sys

import websockets
from websockets.client import connect

# The largest case is 1 MiB, the client's default limit; leave room rather than sit on the edge.
MAX_SIZE = 4 * 1024 * 1024


def to_wire(message):
    if isinstance(message, str):
        return {"text": message}
    return {"base64": base64.b64encode(message).decode("ascii")}


def from_wire(message):
    if "text" in message:
        return message["text"]
    return base64.b64decode(message["base64"])


async def run_case(url, case, ssl_context):
    result = {"opened": False, "protocol": "", "extensions": "", "echoes": []}
    try:
        ws = await connect(
            url,
            subprotocols=case.get("protocols"),
            ssl=ssl_context,
            max_size=MAX_SIZE,
            compression="deflate",  # the default, stated: offers permessage-deflate
        )
    except Exception as error:  # noqa: BLE001 - every failure becomes part of the result
        result["error"] = f"{type(error).__name__}: {error}"
        return result
    result["opened"] = True
    result["protocol"] = ws.subprotocol or ""
    result["extensions"] = ", ".join(extension.name for extension in ws.extensions)
    messages = [from_wire(message) for message in case["messages"]]

    async def send_all():
        for message in messages:
            await ws.send(message)

    async def receive_all():
        for _ in messages:
            result["echoes"].append(to_wire(await ws.recv()))

    try:
        await asyncio.gather(send_all(), receive_all())
    except Exception as error:  # noqa: BLE001
        result["error"] = f"{type(error).__name__}: {error}"
    # Waits for the server's close frame and the end of the TCP connection (bounded by close_timeout).
    await ws.close(code=case["close"]["code"], reason=case["close"]["reason"])
    # close_code/close_reason are what the server sent (1006 when it sent nothing); the
    # legacy client has no wasClean.
    result["close"] = {"code": ws.close_code, "reason": ws.close_reason, "wasClean": None}
    return result


async def main():
    url = sys.argv[1]
    plan = json.load(sys.stdin)
    ssl_context = None
    if url.startswith("wss:"):
        # Trust exactly the test certificate; it names 127.0.0.1, so hostname checks stay on.
        ssl_context = ssl.create_default_context(cadata=plan["ca"])
    results = [await run_case(url, case, ssl_context) for case in plan["cases"]]
    json.dump({"version": websockets.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    asyncio.run(main())
