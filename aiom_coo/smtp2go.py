"""A small SMTP2GO HTTP API v3 client (``POST {base_url}/email/send``).

Ours rather than PyPI's ``smtp2go`` package, which has no timeout, a fixed host and calls
``logging.basicConfig`` at import. This one never hangs (a timeout on every call), never raises raw
``requests`` errors, and never sends twice on its own: only answers that prove the email was not
accepted (429, 5xx, a refused connection) are retried.
"""

import logging
import time

import requests

_logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.smtp2go.com/v3"
REGIONAL_BASE_URLS = (
    "https://api.smtp2go.com/v3",
    "https://us-api.smtp2go.com/v3",
    "https://eu-api.smtp2go.com/v3",
    "https://au-api.smtp2go.com/v3",
)
API_KEY_HEADER = "X-Smtp2go-Api-Key"


class Smtp2goError(Exception):
    """SMTP2GO refused or could not take the email; ``str()`` is meant for the user."""

    def __init__(self, message, status=None, error_code=None, field_errors=None, request_id=None, transient=False):
        super().__init__(message)
        # True when the email was certainly not accepted and a later attempt may succeed.
        self.transient = transient
        self.status = status
        self.error_code = error_code
        self.field_errors = field_errors or {}
        self.request_id = request_id


class Smtp2goClient:
    def __init__(
        self,
        api_key,
        base_url=DEFAULT_BASE_URL,
        timeout=10.0,
        max_retries=3,
        backoff=0.5,
        max_wait=10.0,
        session=None,
        sleep=time.sleep,
    ):
        if not api_key:
            raise Smtp2goError("SMTP2GO API key is not configured")
        self.api_key = api_key
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.session = session or requests.Session()
        self.sleep = sleep

    def send(
        self,
        *,
        sender,
        to,
        subject,
        text_body=None,
        html_body=None,
        cc=None,
        bcc=None,
        reply_to=None,
        attachments=None,
        custom_headers=None,
    ):
        """Send one email; return ``{"email_id", "request_id", "succeeded"}``.

        ``attachments`` are dicts with ``filename``, ``fileblob`` (base64) and ``mimetype``;
        ``custom_headers`` maps header names to values.
        """
        headers = dict(custom_headers or {})
        if reply_to:
            headers["Reply-To"] = reply_to
        payload = {"sender": sender, "to": list(to), "subject": subject}
        if cc:
            payload["cc"] = list(cc)
        if bcc:
            payload["bcc"] = list(bcc)
        if text_body:
            payload["text_body"] = text_body
        if html_body:
            payload["html_body"] = html_body
        if headers:
            payload["custom_headers"] = [{"header": name, "value": value} for name, value in headers.items()]
        if attachments:
            payload["attachments"] = list(attachments)
        data = self._post("/email/send", payload)
        if not data.get("succeeded") or not data.get("email_id"):
            failures = "; ".join(str(failure) for failure in data.get("failures") or []) or "no email id returned"
            raise Smtp2goError(f"SMTP2GO did not accept the email: {failures}", request_id=data.get("_request_id"))
        return {"email_id": data["email_id"], "request_id": data.get("_request_id"), "succeeded": data["succeeded"]}

    def _post(self, path, payload):
        url = f"{self.base_url}{path}"
        headers = {API_KEY_HEADER: self.api_key, "Content-Type": "application/json", "Accept": "application/json"}
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.session.post(url, json=payload, headers=headers, timeout=self.timeout)
            except requests.exceptions.ConnectTimeout:
                error = Smtp2goError(
                    f"Could not connect to SMTP2GO at {self.base_url} within {self.timeout:g} s.", transient=True
                )
                retry_after = None
            except requests.exceptions.Timeout:
                # The request went out: the email may have been accepted. Retrying could send it twice.
                raise Smtp2goError(
                    f"SMTP2GO did not answer within {self.timeout:g} s; the email may or may not have been sent."
                ) from None
            except requests.exceptions.ConnectionError as exc:
                if not _connection_refused(exc):
                    raise Smtp2goError(
                        "The connection to SMTP2GO was lost before it answered; "
                        "the email may or may not have been sent."
                    ) from None
                error = Smtp2goError(f"Could not connect to SMTP2GO at {self.base_url}.", transient=True)
                retry_after = None
            except requests.exceptions.RequestException as exc:
                raise Smtp2goError(f"Could not call SMTP2GO: {exc}") from None
            else:
                data = _json_body(response)
                if response.status_code == 200 and data is not None:
                    result = dict(data.get("data") or {})
                    result["_request_id"] = data.get("request_id")
                    return result
                error = _http_error(response, data)
                if response.status_code != 429 and response.status_code < 500:
                    raise error
                error.transient = True
                retry_after = _retry_after(response)
            if attempt > self.max_retries:
                raise error
            wait = min(self.max_wait, retry_after if retry_after is not None else self.backoff * 2 ** (attempt - 1))
            _logger.info("SMTP2GO: %s; retry %s/%s in %.1f s", error, attempt, self.max_retries, wait)
            self.sleep(wait)


def _connection_refused(exc):
    """True when no connection was made at all, so the request was never sent."""
    text = repr(exc)
    return "NewConnectionError" in text or "Connection refused" in text or "NameResolutionError" in text


def _json_body(response):
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _http_error(response, data):
    status = response.status_code
    if data is None:
        snippet = (response.text or "").strip().replace("\n", " ")[:120]
        return Smtp2goError(f"SMTP2GO answered HTTP {status} with a non-JSON body: {snippet!r}", status=status)
    inner = data.get("data") if isinstance(data.get("data"), dict) else data
    message = inner.get("error") or data.get("error") or f"HTTP {status}"
    code = inner.get("error_code") or data.get("error_code")
    field_errors = inner.get("field_validation_errors") or {}
    text = f"SMTP2GO refused the email (HTTP {status}"
    text += f", {code}): {message}" if code else f"): {message}"
    if field_errors:
        text += " — " + "; ".join(f"{field}: {problem}" for field, problem in _flatten(field_errors))
    return Smtp2goError(
        text, status=status, error_code=code, field_errors=field_errors, request_id=data.get("request_id")
    )


def _flatten(field_errors):
    if isinstance(field_errors, dict):
        for field, problem in field_errors.items():
            yield field, problem if isinstance(problem, str) else str(problem)
    else:
        yield "fields", str(field_errors)


def _retry_after(response):
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
