# expect: flag | target: py311 (len(text) is the same on every pass)
def scan(text):
    i = 0
    while i < len(text):
        i += 1
    return i
