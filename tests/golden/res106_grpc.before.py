import grpc

from protos import orders_pb2, orders_pb2_grpc


def get_order(order_id):
    channel = grpc.insecure_channel("orders:50051")
    stub = orders_pb2_grpc.OrdersStub(channel)
    return stub.GetOrder(orders_pb2.GetOrderRequest(id=order_id))
