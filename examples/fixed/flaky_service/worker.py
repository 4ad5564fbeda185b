"""Consumes order messages from RabbitMQ and ships them."""

import json
import logging
import subprocess

import pika
import pika.spec

from .dead_letter import DeadLetterConsumer, connection_parameters
from .inventory import InventoryClient

logger = logging.getLogger(__name__)

inventory = InventoryClient(token="from-the-environment")


def print_label(order: dict) -> None:
    subprocess.run(["lp", "-d", "labels", f"/var/labels/{order['id']}.pdf"], check=True, timeout=30)


def handle_order(body: bytes, properties: pika.spec.BasicProperties) -> None:
    order = json.loads(body)
    # Keyed by the order, so a message replayed from the dead-letter queue (or redelivered
    # after a crash) cannot reserve the stock twice.
    inventory.reserve(order["sku"], order["quantity"], idempotency_key=f"order-{order['id']}")
    print_label(order)


def record_audit(body: bytes, properties: pika.spec.BasicProperties) -> None:
    logger.info("audit event: %s", body.decode("utf-8", errors="replace"))


def main() -> None:
    connection = pika.BlockingConnection(connection_parameters("rabbitmq.internal"))
    channel = connection.channel()
    # The inventory client already retries its transient failures, so an order gets one try
    # here (retry at one layer only); a failed order goes to orders.dlq with its error, then
    # is acked. Malformed messages (ValueError, KeyError) go there at once.
    DeadLetterConsumer(channel, handle_order, queue="orders", max_attempts=1).start()
    # Acked after it is recorded, not on delivery.
    DeadLetterConsumer(channel, record_audit, queue="audit").start()
    channel.start_consuming()
