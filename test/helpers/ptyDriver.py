"""Runs a command in a real pseudo-terminal for the tests.

Reads JSON lines on stdin: {"keys": "text"} types into the terminal,
{"resize": [columns, rows]} changes its size (the program gets SIGWINCH),
{"close": true} hangs up. Everything the program writes is copied to stdout;
its exit status becomes ours.
"""
import fcntl, json, os, pty, select, signal, struct, sys, termios

def set_size(fd, columns, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, columns, 0, 0))

columns, rows = int(sys.argv[1]), int(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[3], sys.argv[3:])
set_size(fd, columns, rows)
os.kill(pid, signal.SIGWINCH)
stdin = sys.stdin.fileno()
buffer = b''
open_input = True
while True:
    readable, _, _ = select.select([fd] + ([stdin] if open_input else []), [], [], 0.5)
    if fd in readable:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        os.write(1, data)
    if stdin in readable:
        chunk = os.read(stdin, 65536)
        if not chunk:
            open_input = False
            continue
        buffer += chunk
        while b'\n' in buffer:
            line, buffer = buffer.split(b'\n', 1)
            message = json.loads(line)
            if 'keys' in message:
                os.write(fd, message['keys'].encode())
            if 'resize' in message:
                set_size(fd, *message['resize'])
                os.kill(pid, signal.SIGWINCH)
            if message.get('close'):
                os.kill(pid, signal.SIGHUP)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) & 0xff)
