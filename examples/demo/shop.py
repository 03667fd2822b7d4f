"""A small online shop handling a burst of orders: the Async Lanes demo.

It shows most of what asyncio programs do, and two classic mistakes:
- the order handler gathers three lookups concurrently (stock, price, user);
- a Semaphore lets at most two orders talk to the "payment gateway" at once;
- receipts go through a Queue to two printer workers, cancelled at the end;
- invoices are rendered in a thread pool (run_in_executor) while the loop keeps going;
- mistake 1: a synchronous "audit log" call blocks the event loop for 150 ms;
- mistake 2: a fire-and-forget task fails and nobody ever looks at its exception.
"""
import asyncio
import time


async def lookup(what, order_id, delay):
    await asyncio.sleep(delay)
    return f"{what}#{order_id}"


async def pay(gateway, order_id):
    async with gateway:
        await asyncio.sleep(0.05)
        return f"paid#{order_id}"


def render_invoice(order_id):
    time.sleep(0.03)  # CPU/IO work that belongs in a thread
    return f"invoice#{order_id}.pdf"


def audit_log(order_id):
    time.sleep(0.15)  # blocking call on the event loop: the mistake


async def notify_warehouse(order_id):
    await asyncio.sleep(0.01)
    raise ConnectionError(f"warehouse unreachable for order {order_id}")


async def handle_order(order_id, gateway, receipts):
    stock, price, user = await asyncio.gather(
        lookup("stock", order_id, 0.02),
        lookup("price", order_id, 0.03),
        lookup("user", order_id, 0.01),
    )
    payment = await pay(gateway, order_id)
    loop = asyncio.get_running_loop()
    invoice = await loop.run_in_executor(None, render_invoice, order_id)
    if order_id == 3:
        audit_log(order_id)
    await receipts.put((order_id, payment, invoice))
    return f"order {order_id}: {stock} {price} {user} {payment} {invoice}"


async def printer(name, receipts):
    while True:
        order_id, _, invoice = await receipts.get()
        await asyncio.sleep(0.02)
        print(f"{name} printed {invoice}")
        receipts.task_done()


async def main():
    gateway = asyncio.Semaphore(2)
    receipts = asyncio.Queue()
    printers = [asyncio.create_task(printer(f"printer-{i}", receipts), name=f"printer-{i}") for i in (1, 2)]
    background = asyncio.create_task(notify_warehouse(4), name="notify-warehouse")
    results = await asyncio.gather(*(handle_order(i, gateway, receipts) for i in range(1, 6)))
    await receipts.join()
    for p in printers:
        p.cancel()
    await asyncio.gather(*printers, return_exceptions=True)
    for line in results:
        print(line)
    return background  # kept alive, its exception never retrieved


if __name__ == "__main__":
    asyncio.run(main())
