"""A real single-node Slurm cluster for the tests, started as root in a temporary folder.

munged, slurmctld and slurmd run in the foreground as children of the test process, each with
its own files (munge key and socket, state, spool, logs) under the folder and two free TCP ports,
so the machine's own munge or Slurm, if any, is neither read nor touched: the client commands
find this cluster through SLURM_CONF in `SlurmCluster.env`. `stop()` cancels what is still queued,
then ends the daemons and anything left of their jobs by process id.

The configuration, and why:
- One node that declares CPUS CPUs and MEMORY_MB of memory whatever the machine has
  (SlurmdParameters=config_overrides): the example's #SBATCH lines ask 4 CPUs and 8 GB per task,
  as on a cluster node, and a 2-core CI machine still runs three tasks at once.
  TaskPlugin=task/none binds nothing, so those CPUs are only what the scheduler counts.
- ProctrackType=proctrack/linuxproc: no cgroups needed; `scancel` ends a job's process tree.
- No accounting database (slurmdbd needs MySQL), so no `sacct` of accounting records:
  JobCompType=jobcomp/filetxt writes one line per finished job (state, exit code, array job and
  task), which `finished()` reads. (`sacct --completion` reads the same file, but Slurm 22.05's
  does not parse its array fields.) `squeue` says what is still queued or running.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "scancel", "sinfo")
PACKAGES = "munge slurmctld slurmd slurm-client"
SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/bin", "/bin"]
)
NODE = "course-node"
CPUS, MEMORY_MB = 16, 65536


def binary(name: str) -> str | None:
    return shutil.which(name, path=SEARCH_PATH)


def why_unavailable() -> str | None:
    """Why no cluster can be started here, or None when one can."""
    if not sys.platform.startswith("linux"):
        return "a Slurm cluster needs Linux"
    if os.geteuid() != 0:
        return "starting a Slurm cluster needs root (slurmd starts the jobs); CI runs as root"
    missing = [name for name in DAEMONS + CLIENTS if not binary(name)]
    if missing:
        return f"Slurm is not installed (no {', '.join(missing)}): apt-get install {PACKAGES}, as .ci/run does"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> (
    None
):  # in the child before exec: end with the test process, even if it is killed
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def processes_with(file: str, text: str) -> list[int]:
    """Other processes whose /proc/PID/`file` (cmdline, environ: NUL-separated) has an entry containing `text`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if any(text.encode() in item for item in (entry / file).read_bytes().split(b"\0")):
                    pids.append(int(entry.name))
            except OSError:
                pass  # gone, or not ours to read
    return pids


@dataclass(frozen=True)
class FinishedJob:
    """One line of the job-completion file."""

    key: str  # "ARRAYJOB_TASK" for an array task, else the job id
    state: str  # COMPLETED, FAILED, CANCELLED, TIMEOUT, ...
    exit_code: int
    record: dict


class SlurmCluster:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.conf = self.root / "slurm.conf"
        self.logs = self.root / "logs"
        self.jobcomp = self.root / "jobcomp.txt"
        self.procs: list[subprocess.Popen] = []

    @property
    def env(self) -> dict[str, str]:
        """The environment for client commands: this cluster, and no Slurm settings from outside."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLURM_", "SBATCH_", "SQUEUE_"))
        }
        return {**env, "SLURM_CONF": str(self.conf), "PATH": SEARCH_PATH}

    def write_config(self) -> None:
        munge = self.root / "munge"
        for folder in (munge, self.root / "state", self.root / "spool", self.logs):
            folder.mkdir(parents=True)
        munge.chmod(0o755)  # munged wants its socket's folder open to all (the key stays 0600)
        key = os.open(munge / "munge.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(key, os.urandom(128))
        os.close(key)
        r = self.root
        self.conf.write_text(f"""\
ClusterName=coursetest
SlurmctldHost=localhost
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge}/munge.socket.2
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={r}/slurmctld.pid
SlurmdPidFile={r}/slurmd.pid
SlurmctldLogFile={self.logs}/slurmctld.log
SlurmdLogFile={self.logs}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc={self.jobcomp}
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
KillWait=5
NodeName={NODE} NodeHostname=localhost NodeAddr=127.0.0.1 CPUs={CPUS} RealMemory={MEMORY_MB} State=UNKNOWN
PartitionName=course Nodes={NODE} Default=YES MaxTime=INFINITE State=UP
""")

    def _daemon(self, name: str, *args: str) -> None:
        out = open(self.logs / f"{name}.out", "wb")
        self.procs.append(
            subprocess.Popen(
                [binary(name), *args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        )
        out.close()

    def until(self, what: str, ready, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            dead = [p.args[0] for p in self.procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(
                    f"Slurm test cluster: still waiting for {what} after {timeout:.0f} s"
                    f"{' (' + ', '.join(dead) + ' exited)' if dead else ''}\n{self.log_tail()}"
                )
            time.sleep(0.2)

    def start(self, timeout: float = 60) -> SlurmCluster:
        self.write_config()
        munge = self.root / "munge"
        # -f: run although a folder above the socket (pytest's 0700 tmp) is not open to all
        self._daemon(
            "munged",
            "-F",
            "-f",
            f"--key-file={munge}/munge.key",
            f"--socket={munge}/munge.socket.2",
            f"--pid-file={munge}/munged.pid",
            f"--seed-file={munge}/munged.seed",
            f"--log-file={self.logs}/munged.log",
            "--num-threads=10",
        )
        self.until("munged", (munge / "munge.socket.2").exists, timeout)
        self._daemon("slurmctld", "-D", "-f", str(self.conf))
        self.until(
            "slurmctld", lambda: self.run("sinfo", "-h", check=False).returncode == 0, timeout
        )
        self._daemon("slurmd", "-D", "-N", NODE, "-f", str(self.conf))
        self.until(
            f"node {NODE}",
            lambda: (
                self.run("sinfo", "-h", "-n", NODE, "-o", "%T", check=False).stdout.strip()
                == "idle"
            ),
            timeout,
        )
        return self

    def run(self, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [binary(args[0]) or args[0], *args[1:]],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
            **kwargs,
        )
        if check and done.returncode:
            raise RuntimeError(
                f"{' '.join(args)}: exit {done.returncode}\n{done.stdout}{done.stderr}"
            )
        return done

    def queued(self, *jobs: str) -> list[str]:
        """'JOBID STATE' of each job or array task of `jobs` (all when none given) still in the queue."""
        done = self.run(
            "squeue", "-h", "-o", "%i %T", *(["-j", ",".join(jobs)] if jobs else []), check=False
        )
        if (
            done.returncode and "Invalid job id" not in done.stderr
        ):  # a job long gone is no error here
            raise RuntimeError(f"squeue: {done.stderr}")
        return done.stdout.split("\n")[:-1] if done.returncode == 0 else []

    def wait(self, *jobs: str, timeout: float = 600) -> None:
        """Until none of `jobs` (ids of jobs or whole arrays) is pending, running or completing."""
        self.until(f"the end of jobs {', '.join(jobs)}", lambda: not self.queued(*jobs), timeout)

    def finished(self) -> dict[str, FinishedJob]:
        """Every finished job, by 'ARRAYJOB_TASK' for array tasks and by job id otherwise."""
        jobs = {}
        for line in self.jobcomp.read_text().splitlines() if self.jobcomp.exists() else []:
            record = dict(re.findall(r"(\w+)=(\S*)", line))
            task = record.get("ArrayTaskId", "")
            key = (
                f"{record['ArrayJobId']}_{task}"
                if task.isdigit() and task != "4294967294"
                else record["JobId"]
            )
            jobs[key] = FinishedJob(
                key, record["JobState"], int(record["ExitCode"].split(":")[0]), record
            )
        return jobs

    def log_tail(self, lines: int = 15) -> str:
        tails = []
        for log in sorted(self.logs.glob("*")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            tails.append(f"--- {log.name}\n" + "\n".join(text))
        return "\n".join(tails)

    def stop(self) -> None:
        """Cancel every job, end the daemons, then anything of the cluster still running; by pid."""
        if self.procs and all(p.poll() is None for p in self.procs):
            try:
                self.run("scancel", f"--user={pwd.getpwuid(os.geteuid()).pw_name}", check=False)
                self.wait(timeout=30)
            except RuntimeError:
                pass  # the daemons are ended below all the same
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        # slurmstepd and what is left of the jobs outlive slurmd: they have this cluster's SLURM_CONF
        for pid in processes_with("environ", f"SLURM_CONF={self.conf}"):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
