# expect: flag | target: py311 (pop(0) shifts the whole list: quadratic; use collections.deque)
def drain(queue):
    done = []
    while queue:
        done.append(queue.pop(0))
    return done
