"""RES601-RES602: ack before processing, failures without a dead-letter path."""

from __future__ import annotations

from textwrap import dedent

import pytest
from resilience_skill.analysis import Finding, Location, audit_source
from resilience_skill.config import Config


def run(source: str, rule: str, config: Config | None = None) -> list[Finding]:
    result = audit_source(dedent(source), "consumer.py", config)
    assert result.errors == ()
    return [f for f in result.findings if f.rule == rule]


def lines(source: str, rule: str) -> list[int]:
    return [f.location.line for f in run(source, rule)]


# -- RES601: pika auto_ack ---------------------------------------------------------------


def test_res601_basic_consume_auto_ack() -> None:
    src = """\
    from pika import BlockingConnection, ConnectionParameters

    conn = BlockingConnection(ConnectionParameters("h", blocked_connection_timeout=5))
    ch = conn.channel()
    ch.basic_consume(queue="orders", on_message_callback=print, auto_ack=True)
    ch.basic_consume(queue="orders", on_message_callback=print, auto_ack=False)
    ch.basic_consume(queue="orders", on_message_callback=print)
    """
    [finding] = run(src, "RES601")
    assert finding.location == Location(5, 1, 5, 75)
    assert finding.severity == "medium"
    assert finding.message == (
        "ch.basic_consume(..., auto_ack=True) acknowledges every message on delivery, before "
        "the callback runs: if it fails or the worker dies, the message is lost; consume "
        "with auto_ack=False and basic_ack after the work"
    )
    assert finding.fix is not None
    assert finding.fix.applicability == "display"
    assert finding.fix.edits == ()
    assert finding.generate == "dead-letter-queue"


def test_res601_auto_ack_constant_and_multiline() -> None:
    src = """\
    AUTO = True
    ch.basic_consume(
        "orders",
        handle,
        auto_ack=AUTO,
    )
    """
    assert [f.location for f in run(src, "RES601")] == [Location(2, 1, 6, 2)]


# -- RES601: ack as the first statement ------------------------------------------------


def test_res601_basic_ack_first_in_callback() -> None:
    src = """\
    import json

    def on_message(ch, method, properties, body):
        \"\"\"Handle one order.\"\"\"
        ch.basic_ack(delivery_tag=method.delivery_tag)
        charge(json.loads(body))
    """
    [finding] = run(src, "RES601")
    assert finding.location == Location(5, 5, 5, 51)
    assert finding.message == (
        "ch.basic_ack() settles the message before the work that follows it: if that work "
        "fails or the worker dies, the message is lost; acknowledge after processing"
    )


def test_res601_ack_first_inside_try_and_async_message_ack() -> None:
    src = """\
    def on_message(ch, method, properties, body):
        try:
            ch.basic_ack(method.delivery_tag)
            charge(body)
        except Exception:
            raise

    async def on_pubsub(message):
        await message.ack()
        await store(message.data)
    """
    assert lines(src, "RES601") == [3, 9]


def test_res601_ack_at_the_end_is_fine() -> None:
    src = """\
    def on_message(ch, method, properties, body):
        tag = method.delivery_tag
        charge(body)
        ch.basic_ack(delivery_tag=tag)

    def callback(message):
        message.ack()
        metrics.incr("orders")  # not work on the message

    def only_ack(ch, method, properties, body):
        ch.basic_ack(method.delivery_tag)

    def ack_batch(ch, done):
        for m in done:
            ch.basic_ack(m.delivery_tag)
            acked.append(m.delivery_tag)
            print(m)
    """
    assert run(src, "RES601") == []


def test_res601_kafka_commit_first_in_consumer_loop() -> None:
    src = """\
    from kafka import KafkaConsumer

    consumer = KafkaConsumer("orders", enable_auto_commit=False, group_id="g")
    for msg in consumer:
        consumer.commit()
        handle(msg.value)
    """
    [finding] = run(src, "RES601")
    assert finding.location == Location(5, 5, 5, 22)


def test_res601_confluent_poll_loop_commit_before_work() -> None:
    src = """\
    import confluent_kafka

    c = confluent_kafka.Consumer({"group.id": "g", "enable.auto.commit": False})
    while True:
        msg = c.poll(1.0)
        if msg is None:
            continue
        c.commit(message=msg, asynchronous=False)
        handle(msg.value())
    """
    assert lines(src, "RES601") == [8]


def test_res601_sqs_delete_first_in_batch_loop() -> None:
    src = """\
    import boto3

    sqs = boto3.client("sqs")
    while True:
        resp = sqs.receive_message(QueueUrl=URL, MaxNumberOfMessages=10, WaitTimeSeconds=20)
        for m in resp.get("Messages", []):
            sqs.delete_message(QueueUrl=URL, ReceiptHandle=m["ReceiptHandle"])
            handle(m["Body"])
        for m in resp.get("Messages", []):
            handle(m["Body"])
            sqs.delete_message(QueueUrl=URL, ReceiptHandle=m["ReceiptHandle"])
    """
    [finding] = run(src, "RES601")
    assert finding.location == Location(7, 9, 7, 75)
    assert finding.message.startswith("sqs.delete_message() settles the message")


def test_res601_sqs_resource_message_delete() -> None:
    src = """\
    for m in queue.receive_messages(WaitTimeSeconds=20):
        m.delete()
        handle(m.body)
    """
    assert lines(src, "RES601") == [2]


def test_res601_db_commit_is_not_a_consumer_commit() -> None:
    src = """\
    def save(conn, rows):
        conn.commit()
        conn.execute("INSERT", rows)
    """
    assert run(src, "RES601") == []


# -- RES601: auto-commit -----------------------------------------------------------------


def test_res601_kafka_auto_commit_with_external_calls_in_loop() -> None:
    src = """\
    import requests
    from kafka import KafkaConsumer

    def forward(value):
        requests.post("https://api", data=value, timeout=5)

    def main():
        consumer = KafkaConsumer("orders", group_id="g")
        for msg in consumer:
            forward(msg.value)
    """
    [finding] = run(src, "RES601")
    assert finding.location == Location(8, 16, 8, 53)
    assert finding.message == (
        "kafka.KafkaConsumer() commits offsets automatically (the default) while its loop "
        "makes external calls: offsets are committed on a timer whether or not the work "
        "finished, so a crash mid-processing loses messages; set enable_auto_commit to False "
        "and commit after processing"
    )


def test_res601_confluent_auto_commit_poll_loop_and_self_binding() -> None:
    src = """\
    import boto3
    from confluent_kafka import Consumer

    CONF = {"bootstrap.servers": "k", "group.id": "g"}

    class Worker:
        def __init__(self):
            self.consumer = Consumer(CONF)
            self.s3 = boto3.client("s3")

        def run(self):
            while True:
                msg = self.consumer.poll(1.0)
                if msg is None:
                    continue
                self.s3.put_object(Bucket="b", Key="k", Body=msg.value())
    """
    [finding] = run(src, "RES601")
    assert finding.location == Location(8, 25, 8, 39)
    assert "set 'enable.auto.commit' to False" in finding.message


def test_res601_kafka_alias_and_non_ascii_before_the_call() -> None:
    src = """\
    from kafka import KafkaConsumer as KC
    import requests

    def main():
        note = "é"; consumer = KC("orders")
        for msg in consumer:
            requests.post("https://api", data=msg.value, timeout=5)
    """
    [finding] = run(src, "RES601")
    assert finding.location == Location(5, 28, 5, 40)


@pytest.mark.parametrize(
    "ctor",
    [
        'KafkaConsumer("t", enable_auto_commit=False)',
        'KafkaConsumer("t", **settings)',
        'Consumer({"group.id": "g", "enable.auto.commit": "false"})',
        'Consumer({"group.id": "g", "enable.auto.offset.store": False})',
        "Consumer(settings)",
    ],
)
def test_res601_auto_commit_off_or_unknown(ctor: str) -> None:
    src = f"""\
import requests
from kafka import KafkaConsumer
from confluent_kafka import Consumer

def main(settings):
    consumer = {ctor}
    for msg in consumer:
        requests.post("https://api", data=msg, timeout=5)
"""
    assert run(src, "RES601") == []


def test_res601_auto_commit_without_external_calls_is_fine() -> None:
    src = """\
    from kafka import KafkaConsumer

    consumer = KafkaConsumer("t")
    for msg in consumer:
        print(msg.value)
    """
    assert run(src, "RES601") == []


def test_res601_suppression() -> None:
    src = """\
    ch.basic_consume("q", cb, auto_ack=True)  # noqa: RES601
    ch.basic_consume("q", cb, auto_ack=True)  # resilience: ignore[RES601]
    """
    assert run(src, "RES601") == []


# -- RES602 (a): requeue forever --------------------------------------------------------


def test_res602_nack_with_default_requeue_in_except() -> None:
    src = """\
    def on_message(ch, method, properties, body):
        try:
            handle(body)
            ch.basic_ack(method.delivery_tag)
        except Exception:
            ch.basic_nack(delivery_tag=method.delivery_tag)
    """
    [finding] = run(src, "RES602")
    assert finding.location == Location(6, 9, 6, 56)
    assert finding.severity == "high"
    assert finding.message == (
        "ch.basic_nack() requeues the message from an except path with no attempt count "
        "check: a poison message is redelivered forever and blocks the queue; count "
        "deliveries (x-death, redelivered) and dead-letter it after n attempts"
    )
    assert finding.fix is not None and finding.fix.applicability == "display"
    assert finding.generate == "dead-letter-queue"


def test_res602_requeue_true_variants() -> None:
    src = """\
    def on_message(ch, method, properties, body):
        try:
            handle(body)
        except ValueError:
            ch.basic_reject(method.delivery_tag, True)
        except KeyError:
            ch.basic_nack(method.delivery_tag, False, True)

    async def on_aio(message):
        try:
            await handle(message.body)
        except Exception:
            await message.nack(requeue=True)
    """
    assert lines(src, "RES602") == [5, 7, 13]


@pytest.mark.parametrize(
    "handler",
    [
        # an attempt counter checked before requeueing
        """\
        if (properties.headers or {}).get("x-retries", 0) < 3:
            ch.basic_nack(method.delivery_tag, requeue=True)
        else:
            ch.basic_nack(method.delivery_tag, requeue=False)""",
        """\
        ch.basic_nack(method.delivery_tag, requeue=not method.redelivered)""",
        """\
        if method.redelivered:
            ch.basic_reject(method.delivery_tag, requeue=False)
        else:
            ch.basic_reject(method.delivery_tag)""",
        # requeue=False goes to the queue's dead-letter exchange
        """\
        ch.basic_nack(method.delivery_tag, requeue=False)
        ch.basic_publish(exchange="", routing_key="orders.dlq", body=body)""",
        # nack/reject without explicit requeue=True (kombu, pubsub: not known to loop)
        """\
        message.reject()""",
        """\
        ch.basic_nack(method.delivery_tag, **opts)""",
    ],
)
def test_res602_requeue_negatives(handler: str) -> None:
    src = (
        "def on_message(ch, method, properties, body, message=None, opts=None):\n"
        "    try:\n"
        "        handle(body)\n"
        "    except Exception:\n"
        + dedent(handler).replace("\n", "\n        ").join(["        ", "\n"])
    )
    assert run(src, "RES602") == []


def test_res602_log_message_mentioning_retry_is_not_an_attempt_check() -> None:
    src = """\
    import logging

    def on_message(ch, method, properties, body):
        try:
            handle(body)
        except Exception:
            logging.error("failed, will retry")
            ch.basic_nack(method.delivery_tag, requeue=True)
    """
    assert lines(src, "RES602") == [8]


def test_res602_requeue_outside_except_is_not_reported() -> None:
    src = """\
    def on_message(ch, method, properties, body):
        if not valid(body):
            ch.basic_nack(method.delivery_tag)
            return
        handle(body)
    """
    assert run(src, "RES602") == []


def test_res602_quorum_delivery_limit_bounds_requeue() -> None:
    src = """\
    ch.queue_declare("orders", arguments={"x-queue-type": "quorum", "x-delivery-limit": 5})

    def on_message(ch, method, properties, body):
        try:
            handle(body)
        except Exception:
            ch.basic_nack(method.delivery_tag)
    """
    assert run(src, "RES602") == []


# -- RES602 (b): acknowledged and lost ------------------------------------------------------


def test_res602_ack_in_except_without_dlq_or_logging() -> None:
    src = """\
    def on_message(ch, method, properties, body):
        try:
            handle(body)
        except ValueError:
            ch.basic_ack(method.delivery_tag)
        except Exception:
            ch.basic_publish(exchange="", routing_key="orders.dlq", body=body)
            ch.basic_ack(method.delivery_tag)
    """
    [finding] = run(src, "RES602")
    assert finding.location == Location(5, 9, 5, 42)
    assert finding.message == (
        "ch.basic_ack() in an except path settles a failed message with no dead-letter "
        "publish and no logging: the message is lost and nobody knows; publish it to a "
        "dead-letter queue (or log it) before acknowledging"
    )


def test_res602_delete_in_finally_of_sqs_loop_and_commit_in_except() -> None:
    src = """\
    import boto3
    from kafka import KafkaConsumer

    sqs = boto3.client("sqs")
    consumer = KafkaConsumer("t", enable_auto_commit=False)

    def drain():
        resp = sqs.receive_message(QueueUrl=URL)
        for m in resp["Messages"]:
            try:
                handle(m)
            finally:
                sqs.delete_message(QueueUrl=URL, ReceiptHandle=m["ReceiptHandle"])
        for msg in consumer:
            try:
                handle(msg)
            except Exception:
                consumer.commit()
                continue
            consumer.commit()
    """
    found = run(src, "RES602")
    assert [(f.location.line, f.message.split(" settles")[0]) for f in found] == [
        (13, "sqs.delete_message() in a finally block"),
        (18, "consumer.commit() in an except path"),
    ]


@pytest.mark.parametrize(
    "handler",
    [
        'log.exception("order failed")\nch.basic_ack(method.delivery_tag)',
        'logging.warning("bad order %s", body)\nch.basic_ack(method.delivery_tag)',
        'print("failed")\nch.basic_ack(method.delivery_tag)',
        'ch.basic_publish(exchange="", routing_key=PARKING_LOT, body=body)\n'
        "ch.basic_ack(method.delivery_tag)",
        "send_to_dead_letter(body)\nch.basic_ack(method.delivery_tag)",
        "report_failure(body)\nch.basic_ack(method.delivery_tag)",  # unknown: may publish
        "to_graveyard(body)\nch.basic_ack(method.delivery_tag)",  # configured name
    ],
)
def test_res602_ack_negatives(handler: str) -> None:
    src = (
        "import logging\nfrom failures import report_failure\n"
        "log = logging.getLogger(__name__)\n"
        "def send_to_dead_letter(b):\n    pass\n"
        "def to_graveyard(b):\n    pass\n"
        "def on_message(ch, method, properties, body):\n"
        "    try:\n"
        "        handle(body)\n"
        "    except Exception:\n" + "".join(f"        {line}\n" for line in handler.splitlines())
    )
    config = Config(dead_letter_names=("graveyard",))
    assert run(src, "RES602", config) == []


def test_res602_configured_dead_letter_name_is_needed() -> None:
    src = """\
    def to_graveyard(b):
        pass

    def on_message(ch, method, properties, body):
        try:
            handle(body)
        except Exception:
            to_graveyard(body)
            ch.basic_ack(method.delivery_tag)
    """
    assert lines(src, "RES602") == [9]
    assert run(src, "RES602", Config(dead_letter_names=("Graveyard",))) == []


def test_res602_local_helper_that_does_nothing_is_not_handling() -> None:
    src = """\
    def cleanup(b):
        return None

    def on_message(ch, method, properties, body):
        try:
            handle(body)
        except Exception:
            cleanup(body)
            ch.basic_ack(method.delivery_tag)
    """
    assert lines(src, "RES602") == [9]


def test_res602_finally_after_dlq_publish_in_except_is_fine() -> None:
    src = """\
    def on_message(ch, method, properties, body):
        try:
            handle(body)
        except Exception:
            ch.basic_publish(exchange="dlx", routing_key="orders.dead", body=body)
        finally:
            ch.basic_ack(delivery_tag=method.delivery_tag)
    """
    assert run(src, "RES602") == []


def test_res602_finally_with_logging_in_except_is_fine() -> None:
    src = """\
    import logging

    def on_message(ch, method, properties, body):
        try:
            handle(body)
        except Exception:
            logging.exception("failed")
        finally:
            ch.basic_ack(delivery_tag=method.delivery_tag)
    """
    assert run(src, "RES602") == []


def test_res602_dead_letter_exchange_argument_counts() -> None:
    src = """\
    ch.queue_declare("orders", arguments={"x-dead-letter-exchange": "dlx"})

    def on_message(ch, method, properties, body):
        try:
            handle(body)
        except Exception:
            ch.basic_ack(method.delivery_tag)
    """
    assert run(src, "RES602") == []


def test_res602_ack_in_try_body_and_db_commit_in_finally_are_fine() -> None:
    src = """\
    def on_message(ch, method, properties, body):
        try:
            handle(body)
            ch.basic_ack(method.delivery_tag)
        except Exception:
            raise

    def save(db, row):
        try:
            db.add(row)
        finally:
            db.commit()
    """
    assert run(src, "RES602") == []


def test_res602_alias_import_and_suppression() -> None:
    src = """\
    from pika import BlockingConnection as BC

    def on_message(ch, method, properties, body):
        try:
            handle(body)
        except Exception:
            ch.basic_nack(method.delivery_tag)  # noqa: RES602
        finally:
            pass
    """
    assert run(src, "RES602") == []
