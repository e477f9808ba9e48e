"""An S3-compatible server on loopback for the remote-state tests (tests/state_remote.rs).

Runs moto's server on a free 127.0.0.1 port with request signing checked (so a wrong secret
is refused, as a real store would), makes a user with an access key allowed everything, and
the test bucket. When ready it writes shell `export` lines for the tests to ENV_FILE, then
serves until it is sent SIGTERM or SIGINT.

    python .ci/s3_test_server.py ENV_FILE
"""

import json
import os
import signal
import sys
import threading

# Requests before the first signed one go unchecked: the four that make the user and its key.
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "4"
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402  (moto reads the variables above when it is imported)
from moto.server import ThreadedMotoServer  # noqa: E402

BUCKET = "confcopy-test"


def main() -> None:
    env_file = sys.argv[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"

    iam = boto3.client(
        "iam", endpoint_url=endpoint, aws_access_key_id="setup", aws_secret_access_key="setup"
    )
    iam.create_user(UserName="confcopy-test")
    key = iam.create_access_key(UserName="confcopy-test")["AccessKey"]
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    policy = iam.create_policy(PolicyName="confcopy-test", PolicyDocument=json.dumps(everything))
    iam.attach_user_policy(UserName="confcopy-test", PolicyArn=policy["Policy"]["Arn"])

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    s3.create_bucket(Bucket=BUCKET)

    exports = {
        "TEST_S3_ENDPOINT": endpoint,
        "TEST_S3_BUCKET": BUCKET,
        "TEST_S3_ACCESS_KEY_ID": key["AccessKeyId"],
        "TEST_S3_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }
    partial = env_file + ".partial"
    with open(partial, "w", encoding="utf-8") as out:
        for name, value in exports.items():
            out.write(f"export {name}='{value}'\n")
    os.replace(partial, env_file)
    print(f"S3-compatible test server (moto) on {endpoint}, bucket {BUCKET}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
