import pika
import psycopg2
import pymongo


def connect():
    db = psycopg2.connect(host="db", dbname="orders")
    mongo = pymongo.MongoClient("mongodb://mongo:27017")
    params = pika.ConnectionParameters("rabbitmq")
    return db, mongo, params
