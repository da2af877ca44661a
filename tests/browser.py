"""A real headless browser for tests: Chromium driven over the DevTools protocol on a pipe.

`open_page(url)` loads a page in Debian's `chromium` and returns what a person would see and
what the page did: every network request it made, every console message and uncaught
exception, the value of JavaScript expressions evaluated in it, and a PNG screenshot.
No websocket, no extra package: `--remote-debugging-pipe` reads JSON commands on fd 3 and
writes answers and events on fd 4, each message ending in a NUL byte.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def find_browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError("no headless browser: install Debian's chromium (`make browser`, as root: apt-get install chromium)")


@dataclass
class PageVisit:
    requests: list[str] = field(default_factory=list)  # URLs the page asked for, the page itself first
    console_errors: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # expression → its value in the loaded page
    screenshot: bytes = b""


class _Pipe:
    def __init__(self, process: subprocess.Popen, to_browser: int, from_browser: int) -> None:
        self.process, self.to_browser, self.from_browser = process, to_browser, from_browser
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 30) -> dict[str, Any]:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            answer = self.read(timeout)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise AssertionError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def read(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise AssertionError("the browser did not answer in time")
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise AssertionError(f"the browser closed its pipe (exit {self.process.poll()})")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        message = json.loads(raw)
        if "method" in message:
            self.events.append(message)
        return message

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for event in self.events[seen:]:
                if event["method"] == method:
                    return event
            seen = len(self.events)
            self.read(max(0.1, deadline - time.monotonic()))


def open_page(url: str, *, width: int = 1280, height: int = 1800, expressions: tuple[str, ...] = ()) -> PageVisit:
    """Load `url` in headless Chromium, `width` × `height` CSS pixels, and report the visit."""
    browser = find_browser()
    profile = tempfile.mkdtemp(prefix="litecost-browser-")
    to_read, to_browser = os.pipe()  # the browser reads fd 3
    from_browser, to_write = os.pipe()  # and writes fd 4
    # fds 3 and 4 in the child: dup'd in its preexec hook, before exec.
    def child_fds() -> None:
        os.dup2(to_read, 3)
        os.dup2(to_write, 4)

    process = subprocess.Popen(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=child_fds, pass_fds=(3, 4),  # kept open past close_fds, which runs after the hook
    )
    os.close(to_read)
    os.close(to_write)
    pipe = _Pipe(process, to_browser, from_browser)
    visit = PageVisit()
    try:
        target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Network", "Runtime", "Log", "Page"):
            pipe.send(f"{domain}.enable", session=session)
        pipe.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
        pipe.send("Page.navigate", {"url": url}, session=session)
        pipe.wait_for("Page.loadEventFired")
        for expression in expressions:
            answer = pipe.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
            visit.values[expression] = answer["result"].get("value")
        shot = pipe.send("Page.captureScreenshot", {"format": "png"}, session=session)
        visit.screenshot = base64.b64decode(shot["data"])
        for event in pipe.events:
            method, params = event["method"], event.get("params", {})
            if method == "Network.requestWillBeSent":
                visit.requests.append(params["request"]["url"])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                visit.console_errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                visit.console_errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                visit.console_errors.append(params["entry"].get("text", ""))
        try:
            pipe.send("Browser.close", timeout=5)
        except AssertionError:
            pass  # it closes its pipe as it goes
    finally:
        os.close(to_browser)
        os.close(from_browser)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)
    return visit
