"""bench/sigv4_botocore.py [RUNS]: SigV4 signatures per second of botocore's
SigV4Auth.add_auth on the Step Functions StartExecution request of
bench/sigv4_bench.c (the same headers, body, credentials and time), best of
RUNS runs (default 5) of at least ~0.3 s.  Prints "botocore VERSION",
"botocore N" and "signature HEX"; exits 3 when botocore is not installed."""
import datetime
import sys
import time

try:
    import botocore
    import botocore.auth as auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    print("botocore not installed")
    sys.exit(3)

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
body = (b'{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:orders",'
        b'"input":"{\\"orderId\\":42}","name":"exec-1"}')
signer = auth.SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                    "IQoJb3JpZ2luX2VjEXAMPLETOKEN"), "states", "us-east-1")
fixed = datetime.datetime.fromtimestamp(1700000000, datetime.timezone.utc).replace(tzinfo=None)
auth.get_current_datetime = lambda: fixed  # the same time as sfn's run


def request():
    return AWSRequest(method="POST", url="https://states.us-east-1.amazonaws.com/", data=body,
                      headers={"Content-Type": "application/x-amz-json-1.0",
                               "X-Amz-Target": "AWSStepFunctions.StartExecution"})


r = request()
signer.add_auth(r)
sig = r.headers["Authorization"].rsplit("Signature=", 1)[1]
best = 0.0
for _ in range(runs):
    t0 = time.perf_counter()
    n = 0
    while True:
        for _ in range(200):
            signer.add_auth(request())
        n += 200
        t = time.perf_counter() - t0
        if t >= 0.3:
            break
    best = max(best, n / t)
print("botocore-version %s" % botocore.__version__)
print("botocore %.0f" % best)
print("signature %s" % sig)
