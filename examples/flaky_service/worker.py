"""Consumes order messages from RabbitMQ and ships them."""

import json
import subprocess

import pika

from .inventory import InventoryClient

inventory = InventoryClient(token="from-the-environment")


def print_label(order: dict) -> None:
    subprocess.run(["lp", "-d", "labels", f"/var/labels/{order['id']}.pdf"], check=True)


def on_message(channel, method, properties, body):
    order = json.loads(body)
    try:
        reservation = inventory.reserve(order["sku"], order["quantity"])
        print_label(order)
        order["reservation"] = reservation
        channel.basic_ack(delivery_tag=method.delivery_tag)
    except Exception:
        channel.basic_nack(delivery_tag=method.delivery_tag)


def main() -> None:
    connection = pika.BlockingConnection(pika.ConnectionParameters("rabbitmq.internal"))
    channel = connection.channel()
    channel.basic_consume(queue="orders", on_message_callback=on_message)
    channel.basic_consume(queue="audit", on_message_callback=print, auto_ack=True)
    channel.start_consuming()
