"""A Richards-like operating-system scheduler: tasks of four kinds (idle,
worker, handler, device) pass packets through a priority-ordered task
list. Method calls, attribute traffic and branches, as in the classic."""
from _scale import scaled

IDLE, WORKER, HANDLER_A, HANDLER_B, DEVICE_A, DEVICE_B = range(6)
K_DEVICE, K_WORK = 0, 1


class Packet:
    def __init__(self, link, ident, kind):
        self.link = link
        self.ident = ident
        self.kind = kind
        self.datum = 0
        self.data = [0] * 4

    def append_to(self, lst):
        self.link = None
        if lst is None:
            return self
        p = lst
        while p.link is not None:
            p = p.link
        p.link = self
        return lst


class Task:
    def __init__(self, sched, ident, prio, wkq, state):
        self.sched = sched
        self.ident = ident
        self.prio = prio
        self.wkq = wkq
        self.waiting = state == "waiting"
        self.held = False
        self.link = sched.tasks
        sched.tasks = self
        sched.table[ident] = self

    def runnable(self):
        return not self.held and not (self.waiting and self.wkq is None)

    def take_packet(self):
        p = self.wkq
        self.wkq = p.link
        self.waiting = False
        return p


class IdleTask(Task):
    def __init__(self, sched, ident, prio, count):
        super().__init__(sched, ident, prio, None, "running")
        self.v1 = 1
        self.count = count

    def run(self, pkt):
        self.count -= 1
        if self.count == 0:
            return self.sched.hold_self()
        if self.v1 & 1 == 0:
            self.v1 >>= 1
            return self.sched.release(DEVICE_A)
        self.v1 = (self.v1 >> 1) ^ 0xD008
        return self.sched.release(DEVICE_B)


class WorkerTask(Task):
    def __init__(self, sched, ident, prio, wkq):
        super().__init__(sched, ident, prio, wkq, "waiting")
        self.dest = HANDLER_A
        self.count = 0

    def run(self, pkt):
        if pkt is None:
            return self.sched.wait()
        self.dest = HANDLER_B if self.dest == HANDLER_A else HANDLER_A
        pkt.ident = self.dest
        pkt.datum = 0
        for i in range(4):
            self.count = self.count + 1 if self.count < 26 else 1
            pkt.data[i] = 64 + self.count
        return self.sched.queue(pkt)


class HandlerTask(Task):
    def __init__(self, sched, ident, prio, wkq):
        super().__init__(sched, ident, prio, wkq, "waiting")
        self.work_in = None
        self.dev_in = None

    def run(self, pkt):
        if pkt is not None:
            if pkt.kind == K_WORK:
                self.work_in = pkt.append_to(self.work_in)
            else:
                self.dev_in = pkt.append_to(self.dev_in)
        if self.work_in is not None:
            w = self.work_in
            n = w.datum
            if n >= 4:
                self.work_in = w.link
                return self.sched.queue(w)
            if self.dev_in is not None:
                d = self.dev_in
                self.dev_in = d.link
                d.datum = w.data[n]
                w.datum = n + 1
                return self.sched.queue(d)
        return self.sched.wait()


class DeviceTask(Task):
    def __init__(self, sched, ident, prio):
        super().__init__(sched, ident, prio, None, "waiting")
        self.pending = None

    def run(self, pkt):
        if pkt is None:
            if self.pending is None:
                return self.sched.wait()
            p, self.pending = self.pending, None
            return self.sched.queue(p)
        self.pending = pkt
        return self.sched.hold_self()


class Scheduler:
    def __init__(self):
        self.tasks = None
        self.table = [None] * 6
        self.current = None
        self.queued = 0
        self.holds = 0

    def release(self, ident):
        t = self.table[ident]
        t.held = False
        return t if t.prio > self.current.prio else self.current

    def hold_self(self):
        self.holds += 1
        self.current.held = True
        return self.current.link

    def wait(self):
        self.current.waiting = True
        return self.current

    def queue(self, pkt):
        t = self.table[pkt.ident]
        self.queued += 1
        pkt.link = None
        pkt.ident = self.current.ident
        if t.wkq is None:
            t.wkq = pkt
            t.waiting = False
            return t if t.prio > self.current.prio else self.current
        pkt.append_to(t.wkq)
        return self.current

    def schedule(self):
        self.current = self.tasks
        while self.current is not None:
            t = self.current
            if t.held or (t.waiting and t.wkq is None):
                self.current = t.link
                continue
            pkt = t.take_packet() if t.wkq is not None else None
            self.current = t.run(pkt)


def richards(count):
    s = Scheduler()
    IdleTask(s, IDLE, 0, count)
    wq = Packet(None, 0, K_WORK)
    wq = Packet(wq, 0, K_WORK)
    WorkerTask(s, WORKER, 1000, wq)
    wq = Packet(None, DEVICE_A, K_DEVICE)
    wq = Packet(wq, DEVICE_A, K_DEVICE)
    wq = Packet(wq, DEVICE_A, K_DEVICE)
    HandlerTask(s, HANDLER_A, 2000, wq)
    wq = Packet(None, DEVICE_B, K_DEVICE)
    wq = Packet(wq, DEVICE_B, K_DEVICE)
    wq = Packet(wq, DEVICE_B, K_DEVICE)
    HandlerTask(s, HANDLER_B, 3000, wq)
    DeviceTask(s, DEVICE_A, 4000)
    DeviceTask(s, DEVICE_B, 5000)
    s.schedule()
    return s.queued, s.holds


print(richards(scaled(130000)))
