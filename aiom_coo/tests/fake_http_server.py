"""What the local stand-ins for outside services share: a threaded HTTP server on 127.0.0.1 that
records every request and plays scripted behaviours, one per request (``fail_next("500", "ok")``)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeHttpServer:
    base_path = ""

    def __init__(self):
        self.requests = []
        self.behaviours = []
        # Set at stop: releases requests told to answer late ("slow:<seconds>").
        self.released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def handler_class(self):
        """A JsonHandler subclass whose ``fake`` is this server."""
        raise NotImplementedError

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.base_path}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.released.set()
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, *behaviours):
        self.behaviours.extend(behaviours)

    def next_behaviour(self):
        return self.behaviours.pop(0) if self.behaviours else "ok"

    def wait_if_slow(self, behaviour):
        if behaviour.startswith("slow"):
            self.released.wait(float(behaviour.partition(":")[2] or "3"))


class JsonHandler(BaseHTTPRequestHandler):
    fake = None

    def log_message(self, *args):
        pass

    def read_request(self):
        """Record the request; return its JSON body (None when it is not JSON) and the behaviour."""
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = None
        self.fake.requests.append({"path": self.path, "headers": dict(self.headers), "json": payload, "raw": raw})
        return payload, self.fake.next_behaviour()

    def reply(self, status, data, headers=None):
        return self.reply_raw(status, json.dumps(data).encode(), "application/json", headers)

    def reply_raw(self, status, body, content_type, headers=None):
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout): nothing to answer to
