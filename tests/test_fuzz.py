"""Fuzzing every route of the app with Hypothesis.

For each rule of `app.url_map` (one test per rule), generated values go into every
path parameter, a few query parameters, and every field of the forms that post to
that route, sent as each demo role and anonymously, with a valid CSRF token.

The forms are found the way a browser finds them: once per run, every role walks the
app from its home page (a bounded crawl) and the `<form>` elements on the pages are
read (action, `<input>`, `<select>`, `<textarea>`). The ids seen in links become the
"valid" values that the generated ones are mixed with, so the fuzzer reaches the
code behind the access checks too.

Each request must hold three promises:
- no response of 500 or more (and no exception escaping the app);
- no redirect (Location, HX-Location, HX-Redirect) to another host or scheme, nor to
  a path a browser would read as another host (`//host`, `/\\host`, control chars);
- nothing changes in tables the role cannot write (a hash of their rows before and
  after; e.g. a guardian never changes the school's groups, years or staff, and an
  anonymous visitor changes nothing but the audit log, the outbox and sign-in links).

The run is derandomised (a fixed seed), so CI sees the same examples every time.
FUZZ_EXAMPLES sets the number of examples per route (default 6); `make fuzz` runs
a longer search. FUZZ_LOG=file writes every problem found to that file (tab-separated:
route, problem, example) instead of stopping each route at its first one.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections import defaultdict
from datetime import date
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app import create_app
from app.demo import DEMO_PASSWORD
from app.extensions import db
from tests.conftest import ACCOUNTS, TEST_CONFIG, sign_in

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
LOG = os.environ.get("FUZZ_LOG")
ROLES = (None, *ACCOUNTS)  # None: not signed in

# --- the routes --------------------------------------------------------------------------

_RULE_APP = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
RULES = sorted(
    (r for r in _RULE_APP.url_map.iter_rules() if r.endpoint != "static"),
    key=lambda r: r.rule,
)
TABLES = frozenset(db.metadata.tables)
ARG_RE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
ID_CONVERTERS = {"int", "id"}

# --- what each role may not change -----------------------------------------------------------

SCHOOL_SETUP = frozenset(
    {
        "school",
        "school_year",
        "term",
        "day_off",
        "mentor_group",
        "group_mentor",
        "group_membership",
        "group_transfer",
        "staff",
        "student",
        "guardianship",
        "import_batch",
        "teaching_assignment",  # teaching: set by the school's admins
    }
)
STAFF_WORK = frozenset(
    {
        "contact_note",
        "talk_period",
        "talk_slot",
        "talk_record",
        "mentor_time",
        "mentor_time_occurrence",
        "teacher_input",  # teaching: a subject's teachers
        "teaching_reminder",  # teaching: the group's mentors
    }
)
# Issue 19, talk preparation: the student writes their own answers, each guardian their
# own questions; nobody else writes either.
PREP_ANSWERS = frozenset({"talk_preparation", "talk_preparation_goal"})
PREP_QUESTIONS = frozenset({"talk_guardian_questions"})
PREP = PREP_ANSWERS | PREP_QUESTIONS
PROTECTED = {
    # Not signed in: sign-in (which notes the time on the account), links and mail only.
    None: TABLES - {"audit_event", "outbox_message", "sign_in_token", "user"},
    "guardian": SCHOOL_SETUP | STAFF_WORK | PREP_ANSWERS,
    "other_guardian": SCHOOL_SETUP | STAFF_WORK | PREP_ANSWERS,
    "student": SCHOOL_SETUP
    | STAFF_WORK
    | PREP_QUESTIONS
    | {"leave_request", "leave_consent", "talk_booking"},
    "mentor": (SCHOOL_SETUP - {"group_transfer"}) | PREP,
    "comentor": (SCHOOL_SETUP - {"group_transfer"}) | PREP,
    "other_mentor": (SCHOOL_SETUP - {"group_transfer"}) | PREP,
    "principal": (SCHOOL_SETUP - {"group_transfer", "school"}) | PREP,  # the leave policy
    # The school's administrators set the school up; its mentors' work is not theirs.
    "admin": STAFF_WORK | PREP | {"talk_booking", "goal", "goal_update"},
    "site_admin": STAFF_WORK | PREP | {"talk_booking", "goal", "goal_update"},
    # A teacher writes the input of the subjects taught, nothing of the mentors' work.
    "teacher": SCHOOL_SETUP
    | (STAFF_WORK - {"teacher_input"})
    | PREP
    | {"leave_request", "leave_consent", "talk_booking", "goal", "goal_update"},
}

# --- generated values -----------------------------------------------------------------------

OFF_SITE = [
    "//evil.example",
    "//evil.example/path",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/ok\r\nLocation: https://evil.example",
    "/home\nSet-Cookie: x=1",
]
EDGE_NUMBERS = [
    "0",
    "-1",
    "2147483647",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "1" * 40,
    "1e309",
    "NaN",
]
EDGE_DATES = [
    "0001-01-01",
    "9999-12-31",
    "9999-12-25",
    "9998-08-01",
    "9998-06-30",
    "1900-01-01",
    "0000-00-00",
    "2026-02-30",
    "99999-01-01",
    "00:00",
    "24:00",
    "23:59",
]
EDGE_TEXT = [
    "",
    " ",
    "a\x00b",
    "\x00",
    "\x1b[31m",
    "\x7f",
    "line\r\nbreak",
    "\u202eevil",
    "\ufeff",
    "😀" * 20,
    "x" * 5000,
    "=1+2",
    "+46701234567",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
]
IDS_OUT_OF_RANGE = [2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, 10**30]


def fuzz_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(OFF_SITE + EDGE_NUMBERS + EDGE_DATES + EDGE_TEXT),
        st.text(max_size=30),
        st.integers(-(2**70), 2**70).map(str),
        st.dates(min_value=date(1, 1, 1)).map(date.isoformat),
    )


REDIRECT_FIELDS = {"next", "back", "resume_to"}
DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def fuzz_value(name: str, samples: list[str]) -> st.SearchStrategy[str]:
    """A generated value, aimed at the field: redirect targets get off-site ones, date
    fields the calendar's edges, every field now and then anything."""
    if name in REDIRECT_FIELDS:
        return st.one_of(st.sampled_from(OFF_SITE), fuzz_text())
    if any(DATE_LIKE.match(v) for v in samples) or name.endswith(("date", "_on", "_at")):
        return st.one_of(st.sampled_from(EDGE_DATES), fuzz_text())
    return fuzz_text()


def value_for(samples: list[str]) -> st.SearchStrategy[str]:
    """Mostly a value a browser would send, else a generated one."""
    if samples:
        return st.integers(0, 2).flatmap(lambda n: st.sampled_from(samples) if n else fuzz_text())
    return fuzz_text()


def id_for(seen: list[str]) -> st.SearchStrategy[str]:
    """Mostly an id seen in the role's links, else a small or an out-of-range one."""
    others = st.one_of(st.integers(0, 40), st.sampled_from(IDS_OUT_OF_RANGE)).map(str)
    if not seen:
        return others
    return st.integers(0, 2).flatmap(lambda n: st.sampled_from(seen) if n else others)


FILE_CONTENTS = [
    b"\x00\x01\x02\xff\xfe binary",
    b"\xff\xfe\x00\x00",
    b"PK\x03\x04" + bytes(range(256)),
    "förnamn;efternamn\r\nÅsa;Öberg\r\n".encode("latin-1"),
    b"first_name,last_name\n=cmd|' /C calc'!A0,x\n",
    b"",
]

QUERY_NAMES = ["next", "back", "page", "q", "student", "group", "status", "from", "to", "since"]
QUERY_NAMES += ["until", "week", "date", "unconfirmed"]


# --- discovering the forms --------------------------------------------------------------


class FormParser(HTMLParser):
    """The POST forms of a page: action → {field name: values seen}, and the links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self.links: list[str] = []
        self._form: dict[str, list[str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and (a.get("href") or "").startswith("/"):
            self.links.append(a["href"])
        elif tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {}
            self.forms.append((a.get("action") or "", self._form))
        elif self._form is None or not a.get("name"):
            return
        elif tag == "button":
            self._form.setdefault(a["name"], []).append(a.get("value") or "")
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            value = "\0file" if kind == "file" else (a.get("value") or "")
            self._form.setdefault(a["name"], []).append(value)
        elif tag == "select":
            self._select = a["name"]
            self._form.setdefault(a["name"], [])
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.setdefault(a["name"], [])
        if tag == "option" and self._select and self._form is not None:
            self._form[self._select].append(a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None and data.strip():
            self._form[self._textarea].append(data)


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


class Fuzzer:
    """The app on its own database, a signed-in client per role, and what the crawl found."""

    def __init__(self, databases) -> None:
        self.databases = databases
        self.url = databases.new()
        self.app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": self.url})
        self.adapter = self.app.url_map.bind("localhost")
        self.clients = {}
        self.tokens = {}
        for role in ROLES:
            self.sign_in(role)
        self.fields: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.path_values: dict[tuple, set[str]] = defaultdict(set)  # (role, name) → seen
        self.reach: dict[str, set] = defaultdict(set)  # endpoint → roles that reach it
        for role in ROLES:
            self.crawl(role)
        # The sign-in form with real accounts, so `next` is followed after a sign-in.
        self.fields["people.login"]["email"].update(ACCOUNTS.values())
        self.fields["people.login"]["password"].add(DEMO_PASSWORD)

    def sign_in(self, role) -> None:
        """A new client for the role (for None: a new anonymous one)."""
        client = self.app.test_client()
        if role is not None:
            assert sign_in(client, ACCOUNTS[role]).status_code == 303
        self.clients[role] = client
        self.tokens[role] = self.read_token(client)

    def read_token(self, client) -> str:
        page = client.get("/login" if client.get_cookie("session") is None else "/account")
        match = CSRF_INPUT.search(page.get_data(as_text=True))
        assert match, "no CSRF token"
        return match.group(1) or match.group(2)

    def signed_in(self, role) -> bool:
        with self.clients[role].session_transaction() as session:
            return "_user_id" in session

    def route_of(self, path: str, method: str, role):
        try:
            endpoint, args = self.adapter.match(urlsplit(path).path, method=method)
        except Exception:
            return None
        for name, value in args.items():
            self.path_values[role, name].add(str(value))
        return endpoint

    def crawl(self, role, pages: int = 60, per_endpoint: int = 3) -> None:
        client = self.clients[role]
        todo, seen, per = ["/", "/account", "/calendar", "/contact"], set(), defaultdict(int)
        while todo and len(seen) < pages:
            path = todo.pop(0)
            endpoint = self.route_of(path, "GET", role)
            if path in seen or endpoint is None or per[endpoint] >= per_endpoint:
                continue
            seen.add(path)
            per[endpoint] += 1
            response = client.get(path, follow_redirects=True)
            if response.status_code == 200:
                self.reach[endpoint].add(role)
            if response.mimetype != "text/html":
                continue
            parser = FormParser()
            parser.feed(response.get_data(as_text=True))
            todo += [link for link in parser.links if not link.startswith("/static")]
            for action, fields in parser.forms:
                target = self.route_of(action or path, "POST", role)
                if target:
                    self.reach[target].add(role)
                    for name, values in fields.items():
                        self.fields[target][name].update(values)

    def snapshot(self, role) -> dict[str, str]:
        with self.app.app_context():
            digest = {}
            for name in sorted(PROTECTED[role]):
                table = db.metadata.tables[name]
                rows = db.session.execute(select(table).order_by(*table.primary_key)).all()
                digest[name] = hashlib.sha256(repr(rows).encode()).hexdigest()
            db.session.remove()
        return digest

    def close(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        self.databases.drop(self.url)


@pytest.fixture(scope="module")
def fuzzer(databases):
    made = Fuzzer(databases)
    yield made
    made.close()


# --- the checks --------------------------------------------------------------------------


def off_site(location: str) -> bool:
    """A redirect target a browser could take to another site."""
    if "\\" in location or any(ord(c) < 0x20 or ord(c) == 0x7F for c in location):
        return True
    parts = urlsplit(location)
    if parts.scheme or parts.netloc:
        return parts.scheme not in ("http", "https") or parts.netloc != "localhost"
    return not location.startswith("/") or location.startswith("//")


@st.composite
def fuzz_requests(draw, rule, fuzzer):
    # Mostly a role that reaches the route (with ids it has seen), so the fuzzed values
    # get past the access checks; now and then any role, with anyone's ids.
    reach = fuzzer.reach.get(rule.endpoint) or {  # else: who reaches its blueprint's pages
        role
        for endpoint, roles in fuzzer.reach.items()
        if endpoint.split(".")[0] == rule.endpoint.split(".")[0]
        for role in roles
    }
    reach = sorted(reach, key=str)
    if reach and draw(st.integers(0, 3)):
        role = draw(st.sampled_from(reach))
    else:
        role = draw(st.sampled_from(ROLES))
    method = draw(st.sampled_from(sorted(rule.methods & {"GET", "POST"})))

    def path_arg(match):
        converter, name = match.group(1) or "default", match.group(2)
        seen = sorted(fuzzer.path_values.get((role, name), ()))
        if not seen or not draw(st.integers(0, 2)):
            seen = sorted({v for (_, n), vs in fuzzer.path_values.items() if n == name for v in vs})
        if converter in ID_CONVERTERS:
            return draw(id_for(seen))
        return quote(draw(value_for(seen)), safe="")

    path = ARG_RE.sub(path_arg, rule.rule)
    names = draw(st.lists(st.sampled_from(QUERY_NAMES), max_size=3, unique=True))
    query = {name: draw(fuzz_value(name, [])) for name in names}
    if query:
        path += "?" + urlencode(query)
    data = {}
    if method == "POST":
        fields = {
            name: sorted(values)
            for name, values in fuzzer.fields.get(rule.endpoint, {}).items()
            if name != "csrf_token"
        }
        for name in ("next", "back"):
            if draw(st.booleans()):
                fields.setdefault(name, [])
        # One or two fields get generated values, the others what a browser would send,
        # so that the generated value is what the route has to deal with.
        names = sorted(fields)
        fuzzed = draw(st.sets(st.sampled_from(names), max_size=2)) if names else set()
        for name, samples in fields.items():
            if "\0file" in samples:
                content = draw(st.one_of(st.sampled_from(FILE_CONTENTS), st.binary(max_size=200)))
                data[name] = (io.BytesIO(content), "upload.csv")
            elif name in fuzzed or not samples:
                if draw(st.integers(0, 9)):  # now and then a field is left out
                    data[name] = draw(fuzz_value(name, samples))
            else:
                data[name] = draw(st.sampled_from(samples))
        data["csrf_token"] = fuzzer.tokens[role]
    htmx = draw(st.booleans())
    return role, method, path, data, htmx


def problems_of(fuzzer, example) -> list[str]:
    role, method, path, data, htmx = example
    if (role is not None) != fuzzer.signed_in(role):
        fuzzer.sign_in(role)  # a fuzzed sign-out or sign-in changed who the client is
        data = {**data, "csrf_token": fuzzer.tokens[role]} if data else data
    before = fuzzer.snapshot(role)
    headers = {"HX-Request": "true"} if htmx else {}
    try:
        response = fuzzer.clients[role].open(path, method=method, data=data, headers=headers)
    except Exception as error:  # TESTING propagates what would be a 500
        return [f"500 ({type(error).__name__}: {str(error)[:200]})"]
    problems = []
    if response.status_code >= 500:
        problems.append(f"{response.status_code}")
    for header in ("Location", "HX-Location", "HX-Redirect"):
        target = response.headers.get(header)
        if target and off_site(target):
            problems.append(f"off-site {header} {target!r}")
    after = fuzzer.snapshot(role)
    changed = sorted(name for name in before if before[name] != after[name])
    if changed:
        problems.append(f"{role or 'anonymous'} changed {changed}")
    return problems


def check_route(fuzzer, rule, example) -> None:
    problems = problems_of(fuzzer, example)
    if problems and LOG:  # FUZZ_LOG=file: count every problem instead of stopping at one
        with open(LOG, "a", encoding="utf-8") as log:
            for problem in problems:
                print(rule.endpoint, problem, repr(example[:3]), sep="\t", file=log)
        return
    role, method, path, data, _htmx = example
    assert not problems, f"{problems} for {role or 'anonymous'} {method} {path!r} {data!r}"


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("rule", RULES, ids=[f"{r.endpoint}" for r in RULES])
def test_fuzz_route(fuzzer, rule):
    @FUZZ_SETTINGS
    @given(example=fuzz_requests(rule, fuzzer))
    def run(example):
        check_route(fuzzer, rule, example)

    run()


def test_off_site_check_knows_the_tricks():
    """The fuzzer's own yardstick: it must call these off-site, or it proves nothing."""
    for target in OFF_SITE:
        assert off_site(target), target
    for target in ["/home/mentor", "/leave/3?x=1", "http://localhost/leave"]:
        assert not off_site(target), target
