import subprocess


def build(target):
    subprocess.run(["make", target], check=True, timeout=30)
    out = subprocess.check_output(
        ["git", "rev-parse", "HEAD"],
        text=True,
        timeout=30,
    )
    return out.strip()
