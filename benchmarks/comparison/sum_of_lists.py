# expect: flag | target: py311 (sum(lists, []) copies the accumulator every time: quadratic)
def flatten(lists):
    return sum(lists, [])
