"""deploy/: every YAML file passes yamllint, and the manifests hold the fields
they must (issue 6): the Dockerfile's stages, user, health check, NVIDIA ICD and
environment; compose's GPU reservation, model volume and health check; the
Kubernetes Deployment's GPU limit and v2 health probes, the Service and HPA
wired to it, a ConfigMap of real `octet serve` settings; KServe's ServingRuntime
(ONNX, protocol v2) and an InferenceService using it; the systemd unit.
Usage: python3 tests/test_deploy.py path/to/octet"""
import os
import re
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_util import ROOT, check, finish  # noqa: E402

OCTET = sys.argv[1] if len(sys.argv) > 1 else "build/octet"
D = os.path.join(ROOT, "deploy")


def load(path):
    with open(os.path.join(D, path)) as f:
        return list(yaml.safe_load_all(f))


def main():
    files = [os.path.join(dp, f) for dp, _, fs in os.walk(D) for f in fs if f.endswith((".yaml", ".yml"))]
    check(len(files) >= 8, "YAML files in deploy/: %d" % len(files))
    r = subprocess.run(["yamllint", "-c", os.path.join(ROOT, ".yamllint"), "-f", "parsable"] + files,
                       capture_output=True, text=True)
    check(r.returncode == 0, "yamllint: %s%s" % (r.stdout, r.stderr))

    # the settings octet serve knows: the environment variables in its --help
    helptext = subprocess.run([OCTET, "serve", "--help"], capture_output=True, text=True).stdout
    known_env = set(re.findall(r"\b(OCTET_[A-Z_]+)\b", helptext))
    check("OCTET_PORT" in known_env and "OCTET_MODEL_REPOSITORY" in known_env, "serve --help lists settings")

    df = open(os.path.join(D, "Dockerfile")).read()
    check(re.search(r"^ARG BASE=", df, re.M) and "FROM ${BASE} AS build" in df and "FROM ${BASE} AS runtime" in df,
          "Dockerfile: two stages on a BASE build argument")
    check("ARG POCL" in df and "pocl-opencl-icd" in df, "Dockerfile: PoCL as a build option")
    check("ocl-icd-libopencl1" in df and "libnvidia-opencl.so.1" in df and "/etc/OpenCL/vendors/nvidia.icd" in df,
          "Dockerfile: ICD loader and NVIDIA ICD registration")
    check("NVIDIA_VISIBLE_DEVICES" in df and "NVIDIA_DRIVER_CAPABILITIES=compute,utility" in df, "Dockerfile: NVIDIA env")
    check(re.search(r"^USER octet", df, re.M) and "--uid 10001" in df, "Dockerfile: a non-root user")
    check(re.search(r"^HEALTHCHECK .*octet\", \"health", df, re.M), "Dockerfile: HEALTHCHECK on readiness")
    check("COPY models /models" in df and "OCTET_MODEL_REPOSITORY=/models" in df, "Dockerfile: models at /models")
    for v in re.findall(r"\b(OCTET_[A-Z_]+)=", df):
        check(v in known_env or v == "OCTET_CL_CACHE", "Dockerfile sets a real setting: %s" % v)

    (compose,) = load("compose.yaml")
    svc = compose["services"]["octet"]
    dev = svc["deploy"]["resources"]["reservations"]["devices"][0]
    check(dev["driver"] == "nvidia" and "gpu" in dev["capabilities"], "compose: GPU reservation")
    check(any(v.endswith(":/models") or ":/models:" in v for v in svc["volumes"]), "compose: model volume")
    check(svc["healthcheck"]["test"][1:] == ["octet", "health"], "compose: health check")
    for k in svc["environment"]:
        check(k in known_env, "compose sets a real setting: %s" % k)

    (cm,) = load("k8s/configmap.yaml")
    check(cm["kind"] == "ConfigMap" and cm["data"], "k8s: ConfigMap")
    for k in cm["data"]:
        check(k in known_env, "ConfigMap holds a real setting: %s" % k)
    (dep,) = load("k8s/deployment.yaml")
    check(dep["kind"] == "Deployment", "k8s: Deployment")
    pod = dep["spec"]["template"]["spec"]
    c = pod["containers"][0]
    check(str(c["resources"]["limits"].get("nvidia.com/gpu")) == "1", "Deployment: nvidia.com/gpu limit")
    check(c["readinessProbe"]["httpGet"]["path"] == "/v2/health/ready", "Deployment: readiness on /v2/health/ready")
    check(c["livenessProbe"]["httpGet"]["path"] == "/v2/health/live", "Deployment: liveness on /v2/health/live")
    check(c["envFrom"][0]["configMapRef"]["name"] == cm["metadata"]["name"], "Deployment: settings from the ConfigMap")
    check(pod["securityContext"]["runAsNonRoot"] is True, "Deployment: non-root")
    labels = dep["spec"]["template"]["metadata"]["labels"]
    (svc,) = load("k8s/service.yaml")
    check(svc["kind"] == "Service" and all(labels.get(k) == v for k, v in svc["spec"]["selector"].items()),
          "Service selects the Deployment's pods")
    check(svc["spec"]["ports"][0]["targetPort"] in ("http", 8000), "Service: the pod's port")
    (hpa,) = load("k8s/hpa.yaml")
    ref = hpa["spec"]["scaleTargetRef"]
    check(hpa["kind"] == "HorizontalPodAutoscaler" and ref["kind"] == "Deployment" and
          ref["name"] == dep["metadata"]["name"] and hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"],
          "HPA scales the Deployment")
    (kz,) = load("k8s/kustomization.yaml")
    check(sorted(kz["resources"]) == sorted(["configmap.yaml", "deployment.yaml", "service.yaml", "hpa.yaml"]),
          "kustomization lists every manifest")

    (sr,) = load("kserve/servingruntime.yaml")
    check(sr["kind"] == "ServingRuntime" and "v2" in sr["spec"]["protocolVersions"] and
          any(f["name"] == "onnx" for f in sr["spec"]["supportedModelFormats"]), "ServingRuntime: ONNX over v2")
    args = sr["spec"]["containers"][0]["args"]
    check("--model-repository" in args and args[args.index("--model-repository") + 1] == "/mnt/models",
          "ServingRuntime serves KServe's /mnt/models")
    (isvc,) = load("kserve/inferenceservice.yaml")
    m = isvc["spec"]["predictor"]["model"]
    check(isvc["kind"] == "InferenceService" and m["runtime"] == sr["metadata"]["name"] and
          m["protocolVersion"] == "v2" and m["modelFormat"]["name"] == "onnx", "InferenceService uses octet's runtime")

    unit = open(os.path.join(D, "systemd", "octet.service")).read()
    check(re.search(r"^ExecStart=\S*octet serve", unit, re.M) and "KillSignal=SIGTERM" in unit and
          re.search(r"^WantedBy=multi-user.target", unit, re.M), "systemd unit")
    for v in re.findall(r"Environment=(OCTET_[A-Z_]+)=", unit):
        check(v in known_env or v == "OCTET_CL_CACHE", "systemd sets a real setting: %s" % v)
    finish("test_deploy")


if __name__ == "__main__":
    main()
