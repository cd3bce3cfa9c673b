"""The scrubber's test corpus: secret shapes that must be masked, look-alikes that must survive.

Every secret value is fake (generated here, deterministic); each SECRETS entry is a
snippet as a student might send it (code, a traceback, question text, a variable summary)
and the values that must not appear anywhere after scrubbing. LOOKALIKES are snippets that
must come out of the scrubber unchanged.
"""

import base64
import json
import random
import string

_rng = random.Random(13)
_ALNUM = string.ascii_letters + string.digits
_LOWER_ALNUM = string.ascii_lowercase + string.digits
_HEXCHARS = "0123456789abcdef"
_B64 = string.ascii_letters + string.digits + "+/"


def _r(n: int, alphabet: str = _ALNUM) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


def _b64url(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


AWS_ID = "AKIA" + _r(16, string.ascii_uppercase + string.digits)
AWS_SECRET = _r(40, _B64)
GCP_KEY = "AIza" + _r(35, _ALNUM + "_-")
AZURE_KEY = _r(86, _B64) + "=="
GITHUB_PAT = "ghp_" + _r(36)
GITHUB_FINE = "github_pat_" + _r(22) + "_" + _r(59)
GITHUB_OAUTH = "gho_" + _r(36)
GITLAB_PAT = "glpat-" + _r(20, _ALNUM + "_-")
SLACK_BOT = f"xoxb-{_r(11, string.digits)}-{_r(12, string.digits)}-{_r(24, _LOWER_ALNUM)}"
SLACK_HOOK = (
    "https://hooks.slack.com/services/"
    f"T{_r(8, string.ascii_uppercase)}/B{_r(8, string.ascii_uppercase)}/{_r(24)}"
)
STRIPE_LIVE = "sk_live_" + _r(24)
STRIPE_TEST_32 = "sk_test_" + _r(24)  # 32 characters in all
STRIPE_RK = "rk_live_" + _r(24)
TWILIO_SID = "AC" + _r(32, _HEXCHARS)
TWILIO_TOKEN = _r(32, _HEXCHARS)
TWILIO_KEY = "SK" + _r(32, _HEXCHARS)
OPENAI_OLD = "sk-" + _r(20) + "T3BlbkFJ" + _r(20)
OPENAI_PROJ = "sk-proj-" + _r(48, _ALNUM + "_-")
ANTHROPIC = "sk-ant-api03-" + _r(80, _ALNUM + "_-") + "AA"
HF = "hf_" + _r(34)
SENDGRID = f"SG.{_r(22, _ALNUM + '_-')}.{_r(43, _ALNUM + '_-')}"
NPM = "npm_" + _r(36)
PYPI = "pypi-AgEIcHlwaS5vcmc" + _r(80, _ALNUM + "_-")
TELEGRAM = f"{_r(9, string.digits)}:{_r(35, _ALNUM + '_-')}"
DISCORD = f"M{_r(23, _ALNUM)}.{_r(6, _ALNUM)}.{_r(27, _ALNUM + '_-')}"
_JWT_HEAD = _b64url({"alg": "HS256", "typ": "JWT"})
JWT = f"{_JWT_HEAD}.{_b64url({'sub': '1234', 'name': 'Ada'})}.{_r(43, _ALNUM + '_-')}"
MAILCHIMP = _r(32, _HEXCHARS) + "-us14"
PEM_BODY = "\n".join(_r(64, _B64) for _ in range(6))
HEX_KEY = _r(48, _HEXCHARS)
B64_SECRET = _r(44, _B64)

SECRETS: list[tuple[str, list[str]]] = [
    # -- cloud keys
    (f'aws_access_key_id = "{AWS_ID}"', [AWS_ID]),
    (f'aws_secret_access_key = "{AWS_SECRET}"', [AWS_SECRET]),
    (
        f's3 = boto3.client("s3", aws_access_key_id="{AWS_ID}", aws_secret_access_key="{AWS_SECRET}")',
        [AWS_ID, AWS_SECRET],
    ),
    (
        f"[default]\naws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n",
        [AWS_ID, AWS_SECRET],
    ),
    (f'GOOGLE_API_KEY = "{GCP_KEY}"', [GCP_KEY]),
    (f'url = f"https://maps.googleapis.com/maps/api/geocode/json?address={{addr}}&key={GCP_KEY}"', [GCP_KEY]),
    (
        json.dumps(
            {
                "type": "service_account",
                "private_key_id": HEX_KEY[:40],
                "private_key": f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----\n",
            }
        ),
        [HEX_KEY[:40], PEM_BODY.split("\n")[0], PEM_BODY.split("\n")[3]],
    ),
    (
        f'conn = "DefaultEndpointsProtocol=https;AccountName=lessons;AccountKey={AZURE_KEY};'
        'EndpointSuffix=core.windows.net"',
        [AZURE_KEY],
    ),
    (
        f'sb = "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey={B64_SECRET}"',
        [B64_SECRET],
    ),
    (f'AZURE_CLIENT_SECRET = "{_r(34, _ALNUM + "~_.-")}"', []),  # value checked below
    # -- code hosts and chat
    (f'g = Github("{GITHUB_PAT}")', [GITHUB_PAT]),
    (f'headers = {{"Authorization": "token {GITHUB_OAUTH}"}}', [GITHUB_OAUTH]),
    (f"GH_TOKEN={GITHUB_FINE}", [GITHUB_FINE]),
    (f'gl = gitlab.Gitlab("https://gitlab.com", private_token="{GITLAB_PAT}")', [GITLAB_PAT]),
    (f'client = WebClient(token="{SLACK_BOT}")', [SLACK_BOT]),
    (f'requests.post("{SLACK_HOOK}", json={{"text": "hi"}})', [SLACK_HOOK.rsplit("/", 1)[1]]),
    (f'bot.run("{DISCORD}")', [DISCORD]),
    (f'app = ApplicationBuilder().token("{TELEGRAM}").build()', [TELEGRAM]),
    # -- payment, messaging, mail
    (f'stripe.api_key = "{STRIPE_LIVE}"', [STRIPE_LIVE]),
    (f'stripe.api_key = "{STRIPE_TEST_32}"', [STRIPE_TEST_32]),
    (f'charge = stripe.Charge.create(amount=100, api_key="{STRIPE_RK}")', [STRIPE_RK]),
    (f'client = Client("{TWILIO_SID}", "{TWILIO_TOKEN}")', [TWILIO_SID, TWILIO_TOKEN]),
    (f'os.environ["TWILIO_AUTH_TOKEN"] = "{TWILIO_TOKEN}"', [TWILIO_TOKEN]),
    (f'twilio_api_key = "{TWILIO_KEY}"', [TWILIO_KEY]),
    (f'sg = SendGridAPIClient("{SENDGRID}")', [SENDGRID]),
    (f'mailchimp.set_config({{"api_key": "{MAILCHIMP}", "server": "us14"}})', [MAILCHIMP]),
    # -- model providers
    (f'openai.api_key = "{OPENAI_OLD}"', [OPENAI_OLD]),
    (f'client = OpenAI(api_key="{OPENAI_PROJ}")', [OPENAI_PROJ]),
    (f'client = anthropic.Anthropic(api_key="{ANTHROPIC}")', [ANTHROPIC]),
    (f'os.environ["ANTHROPIC_API_KEY"] = "{ANTHROPIC}"', [ANTHROPIC]),
    (f'login(token="{HF}")', [HF]),
    (f"Ask: why does `client = OpenAI(api_key='{OPENAI_PROJ}')` raise AuthenticationError?", [OPENAI_PROJ]),
    # -- package registries
    (f"//registry.npmjs.org/:_authToken={NPM}", [NPM]),
    (f"twine upload -u __token__ -p {PYPI} dist/*", [PYPI]),
    # -- passwords in assignments, calls, kwargs, dicts
    ('password = "hunter2"', ["hunter2"]),
    ('db_pass = "Tr0ub4dor&3"', ["Tr0ub4dor&3"]),
    ('pw = "correcthorse"', ["correcthorse"]),
    ("DB_PASSWORD = 'p@ssw0rd!'", ["p@ssw0rd!"]),
    ('self.passwd = "letmein42"', ["letmein42"]),
    ('if password == "opensesame":\n    print("welcome")', ["opensesame"]),
    ('conn = psycopg2.connect(host="db", user="app", password="s3cr3t-pg")', ["s3cr3t-pg"]),
    ('mysql.connector.connect(user="root", passwd="rootpw99", database="shop")', ["rootpw99"]),
    ('config = {"user": "admin", "password": "admin1234"}', ["admin1234"]),
    ("creds = {'username': 'ada', 'pwd': 'lovelace1815'}", ["lovelace1815"]),
    ('smtp.login(user, "mailpass77")', ["mailpass77"]),
    ('server.login("me@example.com", "gmail app pw")', ["gmail app pw"]),
    ('r = requests.get(url, auth=("ada", "babbage-engine"))', ["babbage-engine"]),
    ('r = requests.get(url, auth=HTTPBasicAuth("ada", "analytical-9"))', ["analytical-9"]),
    ('keyring.set_password("lessons", "ada", "notebook-pw")', ["notebook-pw"]),
    ('ftp = FTP("ftp.example.com"); ftp.login("anon", "ftp-secret-1")', ["ftp-secret-1"]),
    ("user_password = 98127341", ["98127341"]),
    ("password: str = 'hunter2'", ["hunter2"]),
    ("api_key: str = 'abcd1234efgh5678'", ["abcd1234efgh5678"]),
    ('client_secret = "x9K2mQ7vL4pR8tW1"', ["x9K2mQ7vL4pR8tW1"]),
    ('SECRET_KEY = "django-insecure-8f$k2!m@x7#q"', ["django-insecure-8f$k2!m@x7#q"]),
    # -- URLs, connection strings, headers
    ('engine = create_engine("postgresql://app:pg-Pa55word@db.example.com:5432/shop")', ["pg-Pa55word"]),
    ('r = redis.Redis.from_url("redis://:r3dis-secret@localhost:6379/0")', ["r3dis-secret"]),
    ('client = MongoClient("mongodb+srv://ada:m0ngo-pw@cluster0.example.net/test")', ["m0ngo-pw"]),
    ('requests.get("https://ada:hunter22@api.example.com/data")', ["hunter22"]),
    (
        'conn_str = "Server=tcp:db.example.com;Database=shop;User Id=sa;Password=Sql$erver2024;"',
        ["Sql$erver2024"],
    ),
    ('dsn = "host=localhost dbname=shop user=app password=pgsecret"', ["pgsecret"]),
    (f'headers = {{"Authorization": "Bearer {B64_SECRET[:32]}"}}', [B64_SECRET[:32]]),
    (f"curl -H 'Authorization: Bearer {OPENAI_PROJ}' https://api.openai.com/v1/models", [OPENAI_PROJ]),
    ('headers = {"X-Api-Key": "k3y-for-weather-4521"}', ["k3y-for-weather-4521"]),
    ("Authorization: Basic YWRhOmxvdmVsYWNlMTgxNQ==", ["YWRhOmxvdmVsYWNlMTgxNQ=="]),
    # -- environment, shell, config files
    ("export DATABASE_PASSWORD=hunter", ["hunter"]),
    ("API_TOKEN=tok_9f8e7d6c5b4a3", ["tok_9f8e7d6c5b4a3"]),
    ("%env OPENAI_API_KEY=" + OPENAI_PROJ, [OPENAI_PROJ]),
    ("database:\n  user: app\n  password: yamlsecret\n", ["yamlsecret"]),
    ("mysql -u root --password=climysql42 shop", ["climysql42"]),
    # -- private keys and tokens
    (
        f"key = '''-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----'''",
        [PEM_BODY.split("\n")[1], PEM_BODY.split("\n")[5]],
    ),
    (
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PEM_BODY}\n-----END OPENSSH PRIVATE KEY-----",
        [PEM_BODY.split("\n")[2]],
    ),
    (f'jwt_token = "{JWT}"', [JWT.split(".")[2]]),
    (f"decoded = jwt.decode('{JWT}', options={{'verify_signature': False}})", [JWT.split(".")[2]]),
    (f'signing_key = "{HEX_KEY}"', [HEX_KEY]),
    (f'cipher = Fernet(b"{B64_SECRET}")', [B64_SECRET]),
    # -- tracebacks and variable summaries
    (
        f'Traceback (most recent call last):\n  File "/home/jovyan/a.py", line 3, in <module>\n'
        f'    openai.api_key = "{OPENAI_OLD}"\n'
        f"openai.AuthenticationError: Incorrect API key provided: {OPENAI_OLD[:12]}",
        [OPENAI_OLD],
    ),
    (f"botocore.exceptions.ClientError: An error occurred (InvalidClientTokenId) for key {AWS_ID}", [AWS_ID]),
    ("token: str = 'ghs_" + _r(36) + "'", []),  # value checked below
    ("passphrase = 'my dog has fleas'", ["my dog has fleas"]),
    ('AUTH = ("admin", "adminpass")', ["adminpass"]),
    ('ftp_login("user", "ftppass1")', ["ftppass1"]),
    ("DATABASE_URL=postgres://u:p4ss-env@h/db", ["p4ss-env"]),
    (
        'client = Minio("play.min.io", access_key="Q3AM3UQ867SPQQA43P2F",\n'
        '               secret_key="zuf+tfteSlswRu7BJ86wekitnifILbZam1KYY3TG")',
        ["Q3AM3UQ867SPQQA43P2F", "zuf+tfteSlswRu7BJ86wekitnifILbZam1KYY3TG"],
    ),
]

# Entries whose value is computed in the snippet: take it from the snippet itself.
_FIXUPS = {}
for _i, (_snippet, _values) in enumerate(SECRETS):
    if not _values:
        _FIXUPS[_i] = [_snippet.split("'")[1] if "'" in _snippet else _snippet.split('"')[1]]
for _i, _values in _FIXUPS.items():
    SECRETS[_i] = (SECRETS[_i][0], _values)

# Variable summaries as the kernel sends them (name, type, repr) and the secret in repr.
SECRET_VARIABLES: list[tuple[str, str, str, str]] = [
    ("password", "str", "'hunter2'", "hunter2"),
    ("db_pass", "str", "'Tr0ub4dor&3'", "Tr0ub4dor&3"),
    ("OPENAI_API_KEY", "str", f"'{OPENAI_PROJ}'", OPENAI_PROJ),
    ("creds", "dict", "{'user': 'ada', 'password': 'lovelace1815'}", "lovelace1815"),
    ("token", "str", f"'{GITHUB_PAT}'", GITHUB_PAT),
]

LOOKALIKES: list[str] = [
    # -- passwords and tokens that are computed, not written down
    'password = input("Password: ")',
    "password = getpass.getpass()",
    "pw = getpass()",
    'api_key = os.environ["OPENAI_API_KEY"]',
    'api_key = os.getenv("API_KEY")',
    'db_password = os.environ.get("DB_PASSWORD", "")',
    'os.environ["API_KEY"] = api_key',
    'password = ""',
    "password = None",
    "def login(user, password=None):\n    return check(user, password)",
    "def check_password(password: str) -> bool:\n    return len(password) >= 8",
    "conn = psycopg2.connect(host=host, user=user, password=password)",
    "smtp.login(user, password)",
    'headers = {"Authorization": f"Bearer {token}"}',
    'headers = {"Authorization": "Bearer " + token}',
    "password_hash = bcrypt.hashpw(password.encode(), bcrypt.gensalt())",
    "hashed = hashlib.sha256(password.encode()).hexdigest()",
    "MIN_PASSWORD_LENGTH = 8",
    'if len(password) < MIN_PASSWORD_LENGTH:\n    print("Password too short")',
    'print("Enter your password:")',
    'print("Password:", "*" * len(password))',
    'password_prompt = "Enter the password for the lab"',
    'TOKEN_ENV_VAR = "GITHUB_TOKEN"',
    'api_key_header = "X-API-Key"',
    "KeyError: 'password'",
    "TypeError: login() missing 1 required positional argument: 'password'",
    "My password check fails for short passwords, why?",
    # -- tokenizers
    "for token in text.split():\n    counts[token] += 1",
    "token = tokens[0]",
    'token = "hello"',
    'next_token = "the"',
    'special_tokens = ["[CLS]", "[SEP]", "<pad>"]',
    "token_ids = [101, 7592, 2088, 102]",
    'tokens = tokenizer.tokenize("Hello, world!")',
    "max_tokens = 256",
    'token_pattern = r"(?u)\\b\\w\\w+\\b"',
    "vectorizer = CountVectorizer(token_pattern=token_pattern)",
    # -- games and lessons with "secret" in them
    "secret_number = random.randint(1, 100)",
    'secret_word = "python"',
    'secret_message = "Meet me at noon"',
    "secret = 7",
    "pass_rate = 0.85",
    "def todo():\n    pass",
    # -- hashing lessons, ids and data
    'digest = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"',
    'assert hashlib.md5(b"abc").hexdigest() == "900150983cd24fb0d6963f7d28e17f72"',
    'assert hashlib.sha1(b"abc").hexdigest() == "a9993e364706816aba3e25717850c26c9cd0d89d"',
    "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    'commit = "e83c5163316f89bfbde7d9ab23ca2e25604af290"',
    'user_id = "550e8400-e29b-41d4-a716-446655440000"',
    'df = pd.DataFrame({"id": ["123e4567-e89b-12d3-a456-426614174000",\n'
    '                         "9b2f1e0c-3d4a-4b5c-8d7e-6f5a4b3c2d1e"]})',
    'encoded = base64.b64encode(b"hello world")  # "aGVsbG8gd29ybGQ="',
    'dna = "ATGCGTACGTTAGCATGCATGCAAGTCGATCGATCGATTACA"',
    'color = "#ff5733"',
    'ip = "192.168.1.1"',
    'isbn = "978-3-16-148410-0"',
    'pattern = r"^[A-Za-z0-9+/]{40}$"',
    'model = "claude-3-5-sonnet-20241022"',
    "calculate_total_price_including_tax_for_2024_orders = lambda o: o.total * 1.2",
    "x = np.random.default_rng(1234567890).normal(size=1000)",
    # -- URLs, paths and tracebacks
    'url = "https://api.github.com/repos/python/cpython/issues?per_page=100&page=2"',
    'engine = create_engine("postgresql://localhost:5432/shop")',
    'repo = "git@github.com:jupyter/notebook.git"',
    'email = "ada@example.com"',
    'Traceback (most recent call last):\n  File "/home/jovyan/work/tokenizer.py", line 12, in tokenize\n'
    "    return [token for token in text.split(sep)]\nTypeError: must be str or None, not int",
    "ValueError: invalid literal for int() with base 10: 'abc'",
    'path = "/home/jovyan/work/notebooks/week-03/exercise_tokenizer_solution.py"',
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n"
    "-----END PUBLIC KEY-----",
    "session = requests.Session()",
    'author = "Jane Austen"',
    'author = ("Jane", "Austen")',
    "x = login(user, pw)",
    "bypass_cache = True",
]
