"""What the rules know about libraries: which calls reach the network, which constructors
build clients, which names log. Qualified names are as the resolver produces them."""

from __future__ import annotations

REQUESTS_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
HTTPX_VERBS = REQUESTS_VERBS | {"stream"}

REQUESTS_MODULES = ("requests", "requests.api")
REQUESTS_SESSION_TYPES = frozenset(
    {
        "requests.Session",
        "requests.sessions.Session",
        "requests.session",
        "requests.sessions.session",
    }
)
HTTPX_CLIENT_TYPES = frozenset({"httpx.Client", "httpx.AsyncClient"})
AIOHTTP_SESSION_TYPES = frozenset({"aiohttp.ClientSession", "aiohttp.client.ClientSession"})
URLLIB3_POOL_TYPES = frozenset(
    {
        "urllib3.PoolManager",
        "urllib3.poolmanager.PoolManager",
        "urllib3.ProxyManager",
        "urllib3.HTTPConnectionPool",
        "urllib3.HTTPSConnectionPool",
        "urllib3.connection_from_url",
    }
)

STDLIB_NETWORK = frozenset(
    {
        "urllib.request.urlopen",
        "http.client.HTTPConnection",
        "http.client.HTTPSConnection",
        "socket.create_connection",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "ftplib.FTP",
        "ftplib.FTP_TLS",
        "poplib.POP3",
        "poplib.POP3_SSL",
        "imaplib.IMAP4",
        "imaplib.IMAP4_SSL",
    }
)

SUBPROCESS_RUN = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
    }
)

DATASTORE_CONNECT = frozenset(
    {
        "psycopg2.connect",
        "psycopg.connect",
        "psycopg.Connection.connect",
        "psycopg.AsyncConnection.connect",
        "asyncpg.connect",
        "asyncpg.create_pool",
        "pymongo.MongoClient",
        "motor.motor_asyncio.AsyncIOMotorClient",
        "redis.Redis",
        "redis.StrictRedis",
        "redis.from_url",
        "redis.Redis.from_url",
        "redis.asyncio.Redis",
        "redis.asyncio.from_url",
        "pika.BlockingConnection",
        "pika.SelectConnection",
        "kafka.KafkaConsumer",
        "kafka.KafkaProducer",
        "confluent_kafka.Consumer",
        "confluent_kafka.Producer",
        "sqlite3.connect",
        "pymysql.connect",
        "MySQLdb.connect",
        "elasticsearch.Elasticsearch",
    }
)

BOTO_CLIENT_FACTORIES = frozenset(
    {
        "boto3.client",
        "boto3.resource",
        "boto3.session.Session.client",
        "boto3.session.Session.resource",
        "botocore.session.Session.create_client",
    }
)

GRPC_CHANNELS = frozenset(
    {
        "grpc.insecure_channel",
        "grpc.secure_channel",
        "grpc.aio.insecure_channel",
        "grpc.aio.secure_channel",
    }
)

CLIENT_TYPES = (
    REQUESTS_SESSION_TYPES
    | HTTPX_CLIENT_TYPES
    | AIOHTTP_SESSION_TYPES
    | URLLIB3_POOL_TYPES
    | DATASTORE_CONNECT
    | BOTO_CLIENT_FACTORIES
)
"""Constructors whose instances' method calls are external calls."""

NETWORK_FUNCTIONS = (
    frozenset(f"{m}.{v}" for m in REQUESTS_MODULES for v in REQUESTS_VERBS)
    | frozenset(f"httpx.{v}" for v in HTTPX_VERBS)
    | STDLIB_NETWORK
    | {"urllib3.request", "aiohttp.request", "asyncio.open_connection"}
)
"""Module-level functions and constructors that reach the network."""

LOGGER_NAMES = frozenset({"log", "logger", "_log", "_logger", "LOG", "LOGGER", "logging"})
LOGGING_MODULES = ("logging", "structlog", "loguru", "sentry_sdk", "warnings", "traceback")
LOGGING_FUNCTIONS = frozenset(
    {
        "warnings.warn",
        "traceback.print_exc",
        "traceback.print_exception",
        "sentry_sdk.capture_exception",
        "sentry_sdk.capture_message",
        "loguru.logger",
    }
)

LOGGER_FACTORIES = frozenset(
    {
        "logging.getLogger",
        "logging.Logger",
        "structlog.get_logger",
        "structlog.getLogger",
        "structlog.stdlib.get_logger",
    }
)
"""Constructors of logger objects: a receiver built by one logs whatever its name."""
