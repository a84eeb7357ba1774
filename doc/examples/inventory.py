"""The example tracerec records in README's quick start: an order total that
comes out lower than the sum of the lines. Find where with time travel."""


def parse(line):
    name, qty, price = line.split(",")
    return name.strip(), int(qty), float(price)


def total(orders):
    subtotal = 0.0
    for name, qty, price in orders:
        cost = qty * price
        if qty > 10:
            cost = cost * 0.9  # bulk discount
        subtotal += cost
    return round(subtotal, 2)


LINES = ["apple, 3, 0.5", "pear, 12, 0.75", "fig, 7, 2.0", "kiwi, 11, 0.2"]


def main():
    orders = [parse(line) for line in LINES]
    print("orders:", len(orders))
    print("total:", total(orders))


if __name__ == "__main__":
    main()
