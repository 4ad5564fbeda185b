import subprocess


def build(target):
    subprocess.run(["make", target], check=True)
    out = subprocess.check_output(
        ["git", "rev-parse", "HEAD"],
        text=True,
    )
    return out.strip()
