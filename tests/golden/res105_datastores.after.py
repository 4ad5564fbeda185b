import pika
import psycopg2
import pymongo


def connect():
    db = psycopg2.connect(host="db", dbname="orders", connect_timeout=4)
    mongo = pymongo.MongoClient("mongodb://mongo:27017", socketTimeoutMS=30000)
    params = pika.ConnectionParameters("rabbitmq", blocked_connection_timeout=30)
    return db, mongo, params
