"""A simulated legacy children's services case system: server-rendered HTML, no API, driven only through screens.

It looks the way such systems did around 2005: ``.asp`` paths, layout tables, upper-case tags, ``&nbsp;`` in
empty cells, a hidden form token on every form, a session cookie, twenty cases a page with ``Next >`` links,
details in ``<th>``/``<td>`` rows and an edit form that posts and redirects. Few elements carry ids, so a screen
connector has to be configured with selectors that survive that.

    app = LegacyWebApp(rows, username="caseworker", password=secret).start()
    app.url                      # http://127.0.0.1:<port>/
    app.change_record("CS00000003")      # a user edits a case on screen
    app.add_record()                     # a user registers a new case
    app.record("CS00000003")             # the system's own copy; app.writes lists what came in through the form
    app.stop(); app.start()              # same port again where the OS allows

Rows are plain dicts in the system's native layout (``cs_id``, ``surname``, ``dob`` as dd/mm/yyyy...).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

LOCAL_TIME = ZoneInfo("Europe/London")  # the system shows local wall-clock time, as its users expect
PAGE_SIZE = 20
_COOKIE = "CSSESSIONID"

# Detail page rows: (label shown on screen, native field). Two layout tables, as the original had.
_PERSON_ROWS = (
    ("Reference", "cs_id"), ("Role", "person_role"), ("Forename", "forename"), ("Middle name(s)", "middle_names"),
    ("Surname", "surname"), ("Date of birth", "dob"), ("Gender", "gender"), ("NHS number", "nhs_no"),
    ("NI number", "ni_no"),
)  # fmt: skip
_CONTACT_ROWS = (
    ("Address line 1", "addr_line1"), ("Address line 2", "addr_line2"), ("Town", "addr_town"),
    ("Postcode", "addr_postcode"), ("UPRN", "uprn"), ("Telephone", "contact_tel"), ("Email", "contact_email"),
    ("Last updated", "updated_on"),
)  # fmt: skip
# Edit form inputs: (form field name, native field, label). Old names, no ids on most of them.
EDIT_INPUTS = (
    ("txtAddr1", "addr_line1", "Address line 1"), ("txtAddr2", "addr_line2", "Address line 2"),
    ("txtTown", "addr_town", "Town"), ("txtPcode", "addr_postcode", "Postcode"),
    ("txtTel", "contact_tel", "Telephone"), ("txtEmail", "contact_email", "Email"),
)  # fmt: skip


@dataclass
class _Case:
    seq: int  # the internal key the URLs use; never shown as the reference
    row: dict[str, str]
    modified: datetime  # aware; what the list's "Last modified" column shows


@dataclass(frozen=True)
class WriteEvent:
    """One save through the edit form: which case and which fields changed to what."""

    record_id: str
    changed: dict[str, str]
    at: datetime


@dataclass
class _State:
    cases: list[_Case] = field(default_factory=list)
    sessions: set[str] = field(default_factory=set)
    form_tokens: set[str] = field(default_factory=set)
    writes: list[WriteEvent] = field(default_factory=list)
    page_views: int = 0


def _first_modified(row: Mapping[str, str]) -> datetime:
    """Seeded cases were last touched at midnight (local) on their ``updated_on`` day."""
    day = row.get("updated_on", "")
    if len(day) == 10:
        return datetime(int(day[6:]), int(day[3:5]), int(day[:2]), tzinfo=LOCAL_TIME)
    return datetime(2000, 1, 1, tzinfo=LOCAL_TIME)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _cell(value: str) -> str:
    return escape(value) if value else "&nbsp;"


def _shown_time(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TIME).strftime("%d/%m/%Y %H:%M:%S")


class LegacyWebApp:
    """The simulated case system as a real HTTP server on a free local port, in a background thread."""

    def __init__(
        self, rows: Iterable[Mapping[str, str]], *, username: str, password: str, page_size: int = PAGE_SIZE
    ) -> None:
        self._lock = threading.Lock()
        self._state = _State()
        for row in rows:
            self._append(dict(row), _first_modified(row))
        self._credentials = (username, password)
        self._page_size = page_size
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    # -- running ---------------------------------------------------------------------------------------------------
    def start(self) -> LegacyWebApp:
        if self._server is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"app": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), handler)
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="legacy-web", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> LegacyWebApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/"

    @property
    def credentials(self) -> tuple[str, str]:
        return self._credentials

    # -- levers for tests ------------------------------------------------------------------------------------------
    def ids(self) -> list[str]:
        with self._lock:
            return [case.row["cs_id"] for case in self._state.cases]

    def record(self, record_id: str) -> dict[str, str]:
        with self._lock:
            return dict(self._find(record_id).row)

    def last_modified(self, record_id: str) -> datetime:
        with self._lock:
            return self._find(record_id).modified

    @property
    def writes(self) -> list[WriteEvent]:
        with self._lock:
            return list(self._state.writes)

    @property
    def page_views(self) -> int:
        with self._lock:
            return self._state.page_views

    def change_record(self, record_id: str, changes: Mapping[str, str] | None = None) -> None:
        """Edit a case as a caseworker would on screen (not recorded in ``writes``, which is the form's log)."""
        with self._lock:
            case = self._find(record_id)
            case.row.update(changes or {"contact_tel": f"01632 {secrets.randbelow(10**6):06d}"})
            self._stamp(case)

    def add_record(self, row: Mapping[str, str] | None = None) -> str:
        """Register a new case; returns its reference."""
        with self._lock:
            new_row = dict(row) if row else self._blank_row()
            self._stamp(self._append(new_row, _now()))
            return new_row["cs_id"]

    # -- internals -------------------------------------------------------------------------------------------------
    def _append(self, row: dict[str, str], modified: datetime) -> _Case:
        case = _Case(seq=len(self._state.cases) + 1, row=row, modified=modified)
        self._state.cases.append(case)
        return case

    def _blank_row(self) -> dict[str, str]:
        numbers = [int(case.row["cs_id"][2:]) for case in self._state.cases if case.row["cs_id"][2:].isdigit()]
        reference = f"CS{max(numbers, default=0) + 1:08d}"
        return {
            "cs_id": reference, "person_role": "Child", "forename": "Alex", "middle_names": "", "surname": "Newcase",
            "dob": "01/02/2020", "gender": "Unknown", "nhs_no": "", "ni_no": "", "addr_line1": "1 Example Road",
            "addr_line2": "", "addr_town": "Kettleby", "addr_postcode": "KB1 1AA", "uprn": "", "contact_tel": "",
            "contact_email": "", "updated_on": "",
        }  # fmt: skip

    def _stamp(self, case: _Case) -> None:
        case.modified = _now()
        case.row["updated_on"] = case.modified.astimezone(LOCAL_TIME).strftime("%d/%m/%Y")

    def _find(self, record_id: str) -> _Case:
        for case in self._state.cases:
            if case.row["cs_id"] == record_id:
                return case
        raise KeyError(record_id)

    def _by_seq(self, seq: str) -> _Case | None:
        if not seq.isdigit() or not 1 <= int(seq) <= len(self._state.cases):
            return None
        return self._state.cases[int(seq) - 1]

    # -- request handling (called with the lock held) --------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], form: dict[str, str], cookie: str | None) -> _Reply:
        self._state.page_views += 1
        if path in ("/", "/Login.asp"):
            return self._login(method, form)
        if cookie not in self._state.sessions:
            return _Reply.redirect("/Login.asp?expired=1")
        if path == "/Logout.asp":
            self._state.sessions.discard(cookie or "")
            return _Reply.redirect("/Login.asp")
        if path == "/Default.asp":
            return _Reply.page("Main menu", _menu_html())
        if path == "/CaseList.asp":
            return self._case_list(query.get("pg", "1"))
        if path == "/Search.asp":
            return self._search(query.get("Surname", ""), query.get("Ref", ""))
        case = self._by_seq(query.get("rec", ""))
        if case is None or path not in ("/CaseDetail.asp", "/CaseEdit.asp"):
            return _Reply(404, "<HTML><BODY><H3>Page not found</H3></BODY></HTML>")
        if path == "/CaseDetail.asp":
            return _Reply.page("Case details", _detail_html(case, saved="msg" in query))
        if method == "POST":
            return self._save(case, form)
        return _Reply.page("Edit case", _edit_html(case, self._issue_token()))

    def _issue_token(self) -> str:
        token = secrets.token_hex(12)
        self._state.form_tokens.add(token)
        return token

    def _login(self, method: str, form: dict[str, str]) -> _Reply:
        message = ""
        if method == "POST":
            token_ok = form.get("__FormToken", "") in self._state.form_tokens
            self._state.form_tokens.discard(form.get("__FormToken", ""))
            if token_ok and (form.get("txtUserName"), form.get("txtPassword")) == self._credentials:
                session = secrets.token_hex(16)
                self._state.sessions.add(session)
                return _Reply.redirect("/Default.asp", cookie=session)
            message = "Invalid username or password." if token_ok else "Your form has expired. Please try again."
        return _Reply.page("Log in", _login_html(self._issue_token(), message), status=200)

    def _case_list(self, page_text: str) -> _Reply:
        size = self._page_size
        pages = max(1, -(-len(self._state.cases) // size))
        page = min(max(int(page_text) if page_text.isdigit() else 1, 1), pages)
        shown = self._state.cases[(page - 1) * size : page * size]
        return _Reply.page("Case list", _list_html(shown, page, pages))

    def _search(self, surname: str, reference: str) -> _Reply:
        found: list[_Case] = []
        if surname or reference:
            found = [
                case
                for case in self._state.cases
                if (not surname or case.row["surname"].lower().startswith(surname.strip().lower()))
                and (not reference or case.row["cs_id"].lower() == reference.strip().lower())
            ]
        return _Reply.page("Search", _search_html(surname, reference, found))

    def _save(self, case: _Case, form: dict[str, str]) -> _Reply:
        if form.get("__FormToken", "") not in self._state.form_tokens:
            return _Reply.page("Edit case", _edit_html(case, self._issue_token(), "Your form has expired."), 200)
        self._state.form_tokens.discard(form["__FormToken"])
        changed = {
            native: form[name].strip()
            for name, native, _ in EDIT_INPUTS
            if name in form and form[name].strip() != case.row[native]
        }
        if changed:
            case.row.update(changed)
            self._stamp(case)
            self._state.writes.append(WriteEvent(case.row["cs_id"], changed, case.modified))
        return _Reply.redirect(f"/CaseDetail.asp?rec={case.seq}&msg=saved")


@dataclass
class _Reply:
    status: int
    body: str
    location: str | None = None
    cookie: str | None = None

    @staticmethod
    def redirect(location: str, cookie: str | None = None) -> _Reply:
        return _Reply(302, "", location, cookie)

    @staticmethod
    def page(title: str, content: str, status: int = 200) -> _Reply:
        body = (
            '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML><HEAD>'
            f'<TITLE>CSCMS - {escape(title)}</TITLE></HEAD>\n<BODY BGCOLOR="#FFFFFF">'
            '<TABLE WIDTH="100%" BGCOLOR="#003366"><TR><TD><FONT COLOR="#FFFFFF" FACE="Arial" SIZE="4">'
            "Children's Services Case Management System</FONT></TD></TR></TABLE>\n"
            f'{content}\n<HR><FONT SIZE="1">v3.2.1 &copy; 2004</FONT></BODY></HTML>'
        )
        return _Reply(status, body)


def _form_token(token: str) -> str:
    return f'<INPUT TYPE="hidden" NAME="__FormToken" VALUE="{token}">'


def _login_html(token: str, message: str) -> str:
    error = f'<FONT COLOR="red"><B class="err">{escape(message)}</B></FONT><BR>' if message else ""
    return (
        f'<CENTER><H3>Please log in</H3>{error}<FORM METHOD="post" ACTION="Login.asp">{_form_token(token)}'
        '<TABLE><TR><TD>Username:</TD><TD><INPUT TYPE="text" NAME="txtUserName" SIZE="20"></TD></TR>'
        '<TR><TD>Password:</TD><TD><INPUT TYPE="password" NAME="txtPassword" SIZE="20"></TD></TR>'
        '<TR><TD COLSPAN="2"><INPUT TYPE="submit" NAME="btnLogin" VALUE="Log In"></TD></TR></TABLE></FORM></CENTER>'
    )


def _menu_html() -> str:
    return (
        '<TABLE><TR><TD><A HREF="CaseList.asp">Case list</A> | <A HREF="Search.asp">Search</A> | '
        '<A HREF="Logout.asp">Log out</A></TD></TR></TABLE><P>Welcome. Choose an option above.</P>'
    )


def _case_rows(cases: Iterable[_Case]) -> str:
    return "".join(
        f'<TR><TD><A HREF="CaseDetail.asp?rec={case.seq}">{escape(case.row["cs_id"])}</A></TD>'
        f"<TD>{_cell(case.row['surname'])}</TD><TD>{_cell(case.row['forename'])}</TD>"
        f"<TD>{_cell(case.row['dob'])}</TD><TD>{_cell(case.row['person_role'])}</TD>"
        f"<TD>{_shown_time(case.modified)}</TD></TR>\n"
        for case in cases
    )


_GRID_HEAD = (
    '<TABLE CLASS="grid" BORDER="1" CELLSPACING="0" CELLPADDING="2"><TR BGCOLOR="#CCCCCC"><TH>Reference</TH>'
    "<TH>Surname</TH><TH>Forename</TH><TH>DOB</TH><TH>Role</TH><TH>Last modified</TH></TR>\n"
)


def _list_html(cases: list[_Case], page: int, pages: int) -> str:
    prev_link = f'<A HREF="CaseList.asp?pg={page - 1}">&lt; Prev</A>' if page > 1 else "&lt; Prev"
    next_link = f'<A HREF="CaseList.asp?pg={page + 1}">Next &gt;</A>' if page < pages else "Next &gt;"
    return (
        f"{_menu_html()}<H4>Cases</H4>{_GRID_HEAD}{_case_rows(cases)}</TABLE>"
        f"<TABLE><TR><TD>{prev_link}</TD><TD>Page {page} of {pages}</TD><TD>{next_link}</TD></TR></TABLE>"
    )


def _search_html(surname: str, reference: str, found: list[_Case]) -> str:
    results = (
        f"{_GRID_HEAD}{_case_rows(found)}</TABLE><P>{len(found)} case(s) found.</P>" if surname or reference else ""
    )
    return (
        f'{_menu_html()}<FORM METHOD="get" ACTION="Search.asp"><TABLE>'
        f'<TR><TD>Surname:</TD><TD><INPUT NAME="Surname" VALUE="{escape(surname)}"></TD></TR>'
        f'<TR><TD>Reference:</TD><TD><INPUT NAME="Ref" VALUE="{escape(reference)}"></TD></TR>'
        '<TR><TD></TD><TD><INPUT TYPE="submit" VALUE="Find"></TD></TR></TABLE></FORM>'
        f"{results}"
    )


def _detail_table(heading: str, case: _Case, rows: tuple[tuple[str, str], ...]) -> str:
    body = "".join(
        f'<TR><TH ALIGN="left" BGCOLOR="#EEEEEE">{escape(label)}</TH><TD>{_cell(case.row.get(native, ""))}</TD></TR>'
        for label, native in rows
    )
    return f'<H4>{heading}</H4><TABLE CLASS="details" BORDER="1" CELLSPACING="0" CELLPADDING="3">{body}</TABLE>'


def _detail_html(case: _Case, saved: bool) -> str:
    notice = '<P><FONT COLOR="green">Record saved.</FONT></P>' if saved else ""
    return (
        f"{_menu_html()}{notice}{_detail_table('Personal details', case, _PERSON_ROWS)}"
        f"{_detail_table('Address and contact', case, _CONTACT_ROWS)}"
        f'<P>Last modified: <SPAN CLASS="stamp">{_shown_time(case.modified)}</SPAN></P>'
        f'<P><A HREF="CaseEdit.asp?rec={case.seq}">Edit address / contact</A> | '
        '<A HREF="CaseList.asp">Back to list</A></P>'
    )


def _edit_html(case: _Case, token: str, message: str = "") -> str:
    inputs = "".join(
        f'<TR><TD>{escape(label)}:</TD><TD><INPUT TYPE="text" NAME="{name}" VALUE="{escape(case.row[native])}" '
        'SIZE="40"></TD></TR>'
        for name, native, label in EDIT_INPUTS
    )
    error = f'<FONT COLOR="red">{escape(message)}</FONT>' if message else ""
    return (
        f"{_menu_html()}<H4>Edit case {escape(case.row['cs_id'])}</H4>{error}"
        f'<FORM METHOD="post" ACTION="CaseEdit.asp?rec={case.seq}">{_form_token(token)}<TABLE>{inputs}</TABLE>'
        f'<P>Last modified: <SPAN CLASS="stamp">{_shown_time(case.modified)}</SPAN></P>'
        '<INPUT TYPE="submit" NAME="btnSave" VALUE="Save"> <A HREF="CaseList.asp">Cancel</A></FORM>'
    )


class _Handler(BaseHTTPRequestHandler):
    app: LegacyWebApp  # set on the bound subclass
    server_version = "Microsoft-IIS/6.0"  # in keeping with the period; harmless
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        self._serve("GET", {})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", errors="replace")
        self._serve("POST", {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()})

    def _serve(self, method: str, form: dict[str, str]) -> None:
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        with self.app._lock:
            reply = self.app.handle(method, parts.path, query, form, self._session_cookie())
        payload = reply.body.encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-cache")
        if reply.location:
            self.send_header("Location", reply.location)
        if reply.cookie:
            self.send_header("Set-Cookie", f"{_COOKIE}={reply.cookie}; Path=/; HttpOnly")
        self.end_headers()
        self.wfile.write(payload)

    def _session_cookie(self) -> str | None:
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == _COOKIE:
                return value
        return None

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines carry search terms, which may be personal data."""
