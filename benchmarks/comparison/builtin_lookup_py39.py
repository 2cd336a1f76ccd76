# expect: flag | target: py39 (binding len to a local pays 1.1-1.3x on 3.9/3.10)
def total_length(items):
    total = 0
    for item in items:
        total += len(item)
    return total
