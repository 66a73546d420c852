// deploy/ checked without a cluster or a container engine: every YAML document of deploy/*.yaml against the
// Kubernetes OpenAPI schema (kubernetes-models), the DaemonSet's privileges against the least that works, and the
// Dockerfile's instructions (its base image against package.json's engines, the production install, the command it
// runs parsed with serve's own option table). Each check returns its problems as lines; the tests also break the
// shipped files on purpose, one thing at a time, and expect the check to name it.

import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseAllDocuments } from "yaml";
import { DaemonSet, type IDaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IVolume } from "kubernetes-models/v1/Volume";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service, type IService } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { SERVE_OPTIONS } from "../../cli/serve-options.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const deploy = join(root, "deploy");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { engines: { node: string } };
const engines = pkg.engines.node;

// ---- the Dockerfile ----

/** One instruction: its keyword (upper case), the rest of its line(s) joined, and the line it starts on. */
interface Instruction { keyword: string; args: string; line: number }

/** Docker's reading of a Dockerfile: comment lines dropped (inside continuations too), `\` joins lines. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: { args: string; line: number } | undefined;
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line.startsWith("#") || (line === "" && !pending)) continue;
    const continued = line.endsWith("\\");
    const body = (continued ? line.slice(0, -1) : line).trim();
    pending = pending ? { args: `${pending.args} ${body}`, line: pending.line } : { args: body, line: i + 1 };
    if (continued) continue;
    const m = /^(\S+)\s*([\s\S]*)$/.exec(pending.args.trim());
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: pending.line });
    pending = undefined;
  }
  return out;
}

/** An instruction's exec form (a JSON array of strings), or undefined for the shell form. */
function execForm(args: string): string[] | undefined {
  if (!args.startsWith("[")) return undefined;
  try {
    const v: unknown = JSON.parse(args);
    return Array.isArray(v) && v.every((s) => typeof s === "string") ? v : undefined;
  } catch {
    return undefined;
  }
}

/** What the built image holds and runs, as far as its last stage says. */
interface Image {
  entrypoint: string[];
  cmd: string[];
  env: Map<string, string>;
  /** Paths the last stage copies files to. */
  files: string[];
  exposed: number[];
  healthcheck: string[] | undefined;
}

/** The smallest Node major version `engines.node` allows (only `>=N[.M.P]` is read). */
function enginesMajor(range: string): number | undefined {
  const m = /^>=\s*(\d+)(\.\d+){0,2}$/.exec(range.trim());
  return m ? Number(m[1]) : undefined;
}

/** The Dockerfile's problems, and the image it describes. */
function checkDockerfile(text: string): { problems: string[]; image: Image } {
  const problems: string[] = [];
  const instructions = parseDockerfile(text);
  const stageNames = new Set<string>();
  let last: Instruction[] = [];
  const minMajor = enginesMajor(engines);
  if (minMajor === undefined) problems.push(`package.json engines.node is "${engines}": this test reads only ">=N"`);
  for (const ins of instructions) {
    if (ins.keyword !== "FROM") {
      last.push(ins);
      continue;
    }
    last = [];
    const [ref = "", as, name] = ins.args.split(/\s+/);
    if (as?.toUpperCase() === "AS" && name) stageNames.add(name);
    if (stageNames.has(ref) && ref !== name) continue;
    const m = /^node:(\d+)(?:\.\d+){0,2}(?:-[a-z]+)?-slim(?:@sha256:[0-9a-f]{64})?$/.exec(ref);
    if (!m) problems.push(`line ${ins.line}: FROM ${ref}: not a Node slim image (node:22-slim)`);
    else if (minMajor !== undefined && Number(m[1]) < minMajor)
      problems.push(`line ${ins.line}: FROM ${ref}: Node ${m[1]} is older than package.json's engines (${engines})`);
  }
  const install = instructions.find((i) => i.keyword === "RUN" && /\bnpm\s+(install|i|ci)\b/.test(i.args));
  if (!install) problems.push("no RUN npm install of the packed package");
  else {
    for (const flag of ["-g", "--omit=dev"]) if (!install.args.split(/\s+/).includes(flag))
      problems.push(`line ${install.line}: npm install without ${flag}`);
    if (!/tsbpf-[^\s]*\.tgz/.test(install.args))
      problems.push(`line ${install.line}: npm install does not install the tarball npm pack makes (tsbpf-*.tgz)`);
  }
  const image: Image = { entrypoint: [], cmd: [], env: new Map(), files: [], exposed: [], healthcheck: undefined };
  for (const ins of last) {
    switch (ins.keyword) {
      case "ENTRYPOINT":
      case "CMD": {
        const argv = execForm(ins.args);
        if (!argv)
          problems.push(`line ${ins.line}: ${ins.keyword} in shell form: sh, as PID 1, keeps SIGTERM from serve`);
        else if (ins.keyword === "ENTRYPOINT") image.entrypoint = argv;
        else image.cmd = argv;
        break;
      }
      case "ENV": {
        for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) image.env.set(m[1]!, m[2]!.replace(/^"|"$/g, ""));
        break;
      }
      case "COPY": {
        const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith("--"));
        const dest = parts.at(-1) ?? "";
        const into = (src: string) => (dest.endsWith("/") ? posix.join(dest, posix.basename(src)) : dest);
        image.files.push(...parts.slice(0, -1).map(into));
        break;
      }
      case "EXPOSE":
        image.exposed.push(...ins.args.split(/\s+/).map((p) => Number(p.split("/")[0])));
        break;
      case "HEALTHCHECK": {
        const cmd = /\bCMD\s+([\s\S]*)$/.exec(ins.args)?.[1] ?? "";
        image.healthcheck = execForm(cmd) ?? [cmd];
        if (!execForm(cmd)) problems.push(`line ${ins.line}: HEALTHCHECK in shell form`);
        break;
      }
      case "USER":
        problems.push(`line ${ins.line}: USER ${ins.args}: attaching needs uid 0; serve drops root itself with --user`);
        break;
    }
  }
  if (!image.entrypoint.length) problems.push("no ENTRYPOINT in exec form");
  return { problems, image };
}

/** The port of a listen address (":9464", "0.0.0.0:9464", "[::]:9464", "9464"), or undefined. */
function listenPort(address: string): number | undefined {
  const m = /(?:^|:)(\d+)$/.exec(address);
  return m ? Number(m[1]) : undefined;
}

/** The problems of the command a container runs, and the metrics port it serves on. */
/** What checkServe finds: problems, the port --metrics names, and whether --user drops root. */
interface Serve { problems: string[]; port: number | undefined; user: boolean }

function checkServe(argv: readonly string[], image: Image): Serve {
  const problems: string[] = [];
  const [program = "", command, ...rest] = argv;
  if (program !== "tsbpf" && !program.endsWith("/tsbpf")) problems.push(`runs ${program}, not tsbpf`);
  if (command !== "serve") problems.push(`runs tsbpf ${command ?? ""}, not tsbpf serve`);
  let parsed: ReturnType<typeof parseServe>;
  try {
    parsed = parseServe(rest);
  } catch (e) {
    return { problems: [...problems, `serve's command line: ${(e as Error).message}`], port: undefined, user: false };
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || !positionals[0]!.endsWith(".tsbpf"))
    problems.push(`serve runs ${positionals.join(" ") || "nothing"}, not one compiled .tsbpf tracer`);
  else if (!image.files.includes(positionals[0]!))
    problems.push(`serve runs ${positionals[0]}, which the image does not copy in (it has ${image.files.join(", ")})`);
  const port = values.metrics === undefined ? undefined : listenPort(values.metrics);
  if (port === undefined) problems.push(`--metrics ${values.metrics ?? "(missing)"}: no port`);
  if (values.user === undefined) problems.push("no --user: the daemon would keep root while it serves");
  return { problems, port, user: values.user !== undefined };
}

function parseServe(args: string[]) {
  return parseArgs({ args, options: SERVE_OPTIONS, allowPositionals: true, strict: true });
}

/** The problems of the image as a whole: its command, and its port, health check and cache agreeing with it. */
function checkImage(text: string): string[] {
  const { problems, image } = checkDockerfile(text);
  const serve = checkServe([...image.entrypoint, ...image.cmd], image);
  problems.push(...serve.problems);
  if (serve.port !== undefined && !image.exposed.includes(serve.port))
    problems.push(`EXPOSE ${image.exposed.join(" ")} is not the --metrics port ${serve.port}`);
  const hc = image.healthcheck?.join(" ");
  if (hc !== undefined) {
    if (/\b(curl|wget)\b/.test(hc)) problems.push("HEALTHCHECK uses curl or wget, which node:*-slim does not have");
    if (serve.port !== undefined && !hc.includes(`:${serve.port}/healthz`))
      problems.push(`HEALTHCHECK does not ask :${serve.port}/healthz`);
  }
  if (!image.env.get("TSBPF_CACHE_DIR"))
    problems.push("no ENV TSBPF_CACHE_DIR: the cache would go under $HOME on a read-only root filesystem");
  return problems;
}

// ---- the manifests ----

type Model = { validate(): void };
/** The schema of each kind deploy/ may hold; a new kind needs its line here. */
const MODELS: Record<string, (data: object) => Model> = {
  "v1/Namespace": (d) => new Namespace(d),
  "v1/ServiceAccount": (d) => new ServiceAccount(d),
  "v1/Service": (d) => new Service(d),
  "apps/v1/DaemonSet": (d) => new DaemonSet(d),
};

interface Manifest { file: string; object: Record<string, unknown> }

/** Every YAML document of deploy/*.yaml, parsed (a YAML error is a problem). */
function readManifests(): { manifests: Manifest[]; problems: string[] } {
  const manifests: Manifest[] = [];
  const problems: string[] = [];
  for (const file of readdirSync(deploy).filter((f) => /\.ya?ml$/.test(f) && !f.startsWith("web-config")).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(deploy, file), "utf8"))) {
      if (doc.errors.length) problems.push(`${file}: ${doc.errors[0]!.message}`);
      const object: unknown = doc.toJS();
      if (object === null || object === undefined) continue;
      if (typeof object !== "object") problems.push(`${file}: a document that is not an object`);
      else manifests.push({ file, object: object as Record<string, unknown> });
    }
  }
  return { manifests, problems };
}

/** The schema's complaints about one object (none when it is valid). */
function schemaProblems(m: Manifest): string[] {
  const kind = `${String(m.object.apiVersion)}/${String(m.object.kind)}`;
  const model = MODELS[kind];
  if (!model) return [`${m.file}: ${kind}: no schema for this kind in the test's MODELS`];
  try {
    model(m.object).validate();
    return [];
  } catch (e) {
    const name = (m.object.metadata as { name?: string } | undefined)?.name;
    return [`${m.file}: ${kind} ${name}: ${(e as Error).message}`];
  }
}

/** Capabilities a tsbpf container may add: BPF, PERFMON to load and attach, SETUID and SETGID for --user's drop. */
const ALLOWED_CAPS = new Set(["BPF", "PERFMON", "SETUID", "SETGID"]);
/** Host paths it may mount, read-only, where the runtime looks for them: BTF and tracefs (older kernels: debugfs). */
const ALLOWED_HOST_PATHS = new Set(["/sys/kernel/btf", "/sys/kernel/tracing", "/sys/kernel/debug"]);

const capName = (c: string) => c.toUpperCase().replace(/^CAP_/, "");
const isUnder = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);

/** The DaemonSet's problems: privileges beyond the least that works, and what must agree with the image. */
function checkDaemonSet(ds: IDaemonSet, image: Image): string[] {
  const problems: string[] = [];
  const spec = ds.spec;
  const pod = spec?.template.spec;
  if (!spec || !pod) return ["no pod spec"];
  if (spec.updateStrategy?.type !== "RollingUpdate")
    problems.push(`updateStrategy ${spec.updateStrategy?.type ?? "(default)"}, not RollingUpdate`);
  const labels = spec.template.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec.selector.matchLabels ?? {})) if (labels[k] !== v)
    problems.push(`selector ${k}=${v} does not match the pod's labels`);
  for (const host of ["hostPID", "hostNetwork", "hostIPC"] as const) {
    if (pod[host])
      problems.push(`${host}: true (the shipped tracer is tracepoint-only and needs none of them: docs/fleet.md)`);
  }
  if (pod.automountServiceAccountToken !== false)
    problems.push("the service account token is mounted; the daemon never uses the API");
  if (!pod.tolerations?.some((t) => t.operator === "Exists" && !t.key && !t.effect))
    problems.push("no toleration of every taint: some nodes would run no tracer");
  if (pod.securityContext && "privileged" in pod.securityContext)
    problems.push("privileged in the pod's securityContext");
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  for (const v of volumes.values()) {
    if (v.hostPath && !ALLOWED_HOST_PATHS.has(posix.normalize(v.hostPath.path)))
      problems.push(`volume ${v.name}: hostPath ${v.hostPath.path} is not BTF or tracefs`);
    if (!v.hostPath && !v.emptyDir && !v.configMap && !v.secret)
      problems.push(`volume ${v.name}: a kind of volume this daemon has no use for`);
  }
  const containers = [...(pod.initContainers ?? []), ...pod.containers];
  if (pod.containers.length !== 1) problems.push(`${pod.containers.length} containers, not one`);
  let port: number | undefined;
  for (const c of containers) {
    const found = checkContainer(c, pod.securityContext ?? {}, volumes, image);
    problems.push(...found.map((p) => `container ${c.name}: ${p}`));
  }
  const main = pod.containers[0];
  if (main) {
    const argv = [...(main.command ?? image.entrypoint), ...(main.args ?? (main.command ? [] : image.cmd))];
    const serve = checkServe(argv, image);
    problems.push(...serve.problems.map((p) => `container ${main.name}: ${p}`));
    port = serve.port;
    const caps = new Set((main.securityContext?.capabilities?.add ?? []).map(capName));
    for (const c of ["SETUID", "SETGID"]) {
      if (serve.user && !caps.has(c)) problems.push(`container ${main.name}: --user drops root, which needs CAP_${c}`);
      if (!serve.user && caps.has(c)) problems.push(`container ${main.name}: CAP_${c} without --user`);
    }
    const metrics = main.ports?.find((p) => p.name === "metrics");
    if (!metrics) problems.push(`container ${main.name}: no port named metrics`);
    else if (port !== undefined && metrics.containerPort !== port)
      problems.push(`container ${main.name}: port metrics is ${metrics.containerPort}, serve listens on ${port}`);
    for (const [probe, path] of [["livenessProbe", "/healthz"], ["readinessProbe", "/readyz"]] as const) {
      const get = main[probe]?.httpGet;
      if (get?.path !== path) problems.push(`container ${main.name}: ${probe} does not GET ${path}`);
      else if (get.port !== "metrics" && get.port !== port)
        problems.push(`container ${main.name}: ${probe} asks port ${get.port}, not metrics`);
    }
  }
  const annotations = spec.template.metadata?.annotations ?? {};
  if (annotations["prometheus.io/scrape"] !== "true") problems.push("no prometheus.io/scrape: \"true\" annotation");
  if (port !== undefined && annotations["prometheus.io/port"] !== String(port))
    problems.push(`prometheus.io/port is ${annotations["prometheus.io/port"]}, serve listens on ${port}`);
  return problems;
}

/** One container's privileges, resources, mounts and cache directory. */
function checkContainer(c: IContainer, podSecurity: IPodSecurityContext, volumes: Map<string, IVolume>, image: Image) {
  const problems: string[] = [];
  const sc = c.securityContext ?? {};
  if (sc.privileged) problems.push("privileged: true");
  if (sc.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation is not false");
  if (sc.readOnlyRootFilesystem !== true) problems.push("readOnlyRootFilesystem is not true");
  if (!(sc.capabilities?.drop ?? []).map(capName).includes("ALL")) problems.push("capabilities do not drop ALL");
  const add = (sc.capabilities?.add ?? []).map(capName);
  for (const cap of add) if (!ALLOWED_CAPS.has(cap))
    problems.push(`adds CAP_${cap}, which tsbpf does not need (docs/fleet.md)`);
  for (const cap of ["BPF", "PERFMON"]) if (!add.includes(cap))
    problems.push(`does not add CAP_${cap}, which loading a tracer needs`);
  const seccomp = (sc.seccompProfile ?? podSecurity.seccompProfile)?.type;
  if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
    problems.push(`seccompProfile ${seccomp ?? "(none)"}, not RuntimeDefault`);
  if ((sc.runAsNonRoot ?? podSecurity.runAsNonRoot) === true)
    problems.push("runAsNonRoot: true, but attaching needs uid 0 (serve drops it with --user)");
  const uid = sc.runAsUser ?? podSecurity.runAsUser;
  if (uid !== undefined && uid !== 0)
    problems.push(`runAsUser ${uid}: attaching needs uid 0 (serve drops it with --user)`);
  if (!c.resources?.requests?.cpu || !c.resources.requests.memory || !c.resources.limits?.memory)
    problems.push("no cpu and memory requests and memory limit");
  const mounts = c.volumeMounts ?? [];
  for (const m of mounts) {
    const v = volumes.get(m.name);
    if (!v) problems.push(`mounts ${m.name}, which is no volume`);
    else if (v.hostPath && m.readOnly !== true) problems.push(`mounts host path ${v.hostPath.path} writable`);
    else if (v.hostPath && posix.normalize(m.mountPath) !== posix.normalize(v.hostPath.path))
      problems.push(`mounts host path ${v.hostPath.path} at ${m.mountPath}, where tsbpf does not look`);
  }
  if (c.name === "tsbpf") {
    const hostPaths = mounts.map((m) => volumes.get(m.name)?.hostPath?.path);
    for (const need of ["/sys/kernel/btf", "/sys/kernel/tracing"]) if (!hostPaths.includes(need))
      problems.push(`does not mount ${need}`);
    const cache = c.env?.find((e) => e.name === "TSBPF_CACHE_DIR")?.value ?? image.env.get("TSBPF_CACHE_DIR");
    if (!cache) problems.push("no TSBPF_CACHE_DIR");
    else if (!mounts.some((m) => volumes.get(m.name)?.emptyDir && isUnder(cache, m.mountPath)))
      problems.push(`TSBPF_CACHE_DIR ${cache} is on the read-only root filesystem (no emptyDir under it)`);
  }
  return problems;
}

/** A Service's problems: headless, selecting the DaemonSet's pods, on their metrics port. */
function checkService(svc: IService, ds: IDaemonSet): string[] {
  const problems: string[] = [];
  const labels = ds.spec?.template.metadata?.labels ?? {};
  if (svc.spec?.clusterIP !== "None") problems.push(`Service ${svc.metadata?.name}: not headless (clusterIP: None)`);
  const selector = Object.entries(svc.spec?.selector ?? {});
  if (!selector.length || selector.some(([k, v]) => labels[k] !== v))
    problems.push(`Service ${svc.metadata?.name}: its selector does not pick the DaemonSet's pods`);
  const container = ds.spec?.template.spec?.containers[0];
  const metricsPort = container?.ports?.find((p) => p.name === "metrics")?.containerPort;
  if (!svc.spec?.ports?.some((p) => p.targetPort === "metrics" || p.targetPort === metricsPort))
    problems.push(`Service ${svc.metadata?.name}: no port to the pods' metrics port`);
  return problems;
}

// ---- the tests ----

const dockerfile = readFileSync(join(deploy, "Dockerfile"), "utf8");
const { manifests, problems: yamlProblems } = readManifests();
const daemonSets = manifests.filter((m) => m.object.kind === "DaemonSet");
const theDaemonSet = () => structuredClone(daemonSets[0]!.object) as unknown as IDaemonSet;
const theImage = () => checkDockerfile(dockerfile).image;

/** `text` with `from` replaced by `to`; throws when `from` is not there, so a mutation can never be a no-op. */
function edit(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  if (out === text) throw new Error(`${String(from)} is not in the text to break`);
  return out;
}

test("the Dockerfile parser joins continued lines, skips comments and reads the exec form", () => {
  const text = '# c\nFROM node:22-slim AS a\nRUN npm install \\\n# inside\n  -g x\n\nCMD ["a", "b c"]\n';
  const ins = parseDockerfile(text);
  assert.equal(ins.map((i) => [i.keyword, i.args, i.line]),
    [["FROM", "node:22-slim AS a", 2], ["RUN", "npm install -g x", 3], ["CMD", '["a", "b c"]', 7]]);
  assert.equal(execForm('["a", "b c"]'), ["a", "b c"]);
  assert.is(execForm("tsbpf serve x"), undefined);
  assert.is(enginesMajor(">=20"), 20);
  assert.is(enginesMajor("^20 || ^22"), undefined);
});

test("the image: Node slim as engines allows, the tarball installed for production, serve on a .tsbpf it holds", () => {
  assert.equal(checkImage(dockerfile), []);
  const { image } = checkDockerfile(dockerfile);
  const argv = [...image.entrypoint, ...image.cmd];
  assert.equal(argv.slice(0, 2), ["tsbpf", "serve"]);
  assert.ok(argv.includes("--user"), "drops root");
});

test("the image check fails on each thing broken on purpose", () => {
  const broken: [string, string | RegExp, string, RegExp][] = [
    ["an old Node", /FROM node:22-slim$/m, "FROM node:18-slim", /older than package.json's engines/],
    ["a full image", "FROM node:22-slim AS install", "FROM node:22 AS install", /not a Node slim image/],
    ["dev dependencies", "--omit=dev ", "", /without --omit=dev/],
    ["no tarball", "/tmp/tsbpf-*.tgz\n", "tsbpf\n", /tarball/],
    ["shell form", 'ENTRYPOINT ["tsbpf", "serve"]', "ENTRYPOINT tsbpf serve", /shell form/],
    ["a misspelt option", '"--metrics", ":9464"', '"--metric", ":9464"', /Unknown option '--metric'/],
    ["run, not serve", '["tsbpf", "serve"]', '["tsbpf", "run"]', /not tsbpf serve/],
    ["a TypeScript source", '["/opt/tsbpf/tool.tsbpf"', '["/opt/tsbpf/tool.ts"', /not one compiled \.tsbpf/],
    ["a tracer not copied in", "COPY tool.tsbpf /opt/tsbpf/tool.tsbpf", "COPY tool.tsbpf /opt/tool.tsbpf", /does not copy in/],
    ["no --user", ', "--user", "nobody"]', "]", /keep root/],
    ["another port exposed", "EXPOSE 9464", "EXPOSE 8080", /not the --metrics port/],
    ["curl", "CMD [\"node\", \"-e\"", "CMD [\"curl\", \"-e\"", /curl/],
    ["no cache dir", /^ENV TSBPF_CACHE_DIR=.*$/m, "", /TSBPF_CACHE_DIR/],
    ["a USER", "ENTRYPOINT", "USER nobody\nENTRYPOINT", /needs uid 0/],
  ];
  for (const [what, from, to, expected] of broken) {
    const problems = checkImage(edit(dockerfile, from, to));
    assert.ok(problems.some((p) => expected.test(p)), `${what}: expected ${expected}, got ${JSON.stringify(problems)}`);
  }
});

test("every YAML document in deploy/ is a Kubernetes object its schema accepts", () => {
  assert.equal(yamlProblems, []);
  assert.equal(manifests.flatMap(schemaProblems), []);
  assert.equal(manifests.map((m) => m.object.kind), ["Namespace", "ServiceAccount", "DaemonSet", "Service"]);
});

test("the schema check fails on a malformed object", () => {
  const ds = theDaemonSet() as unknown as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
  ds.spec.template.spec.containers[0]!.ports = [{ name: "metrics", containerPort: "9464" }];
  const object = ds as unknown as Record<string, unknown>;
  assert.match(schemaProblems({ file: "x.yaml", object }).join("\n"), /containerPort must be integer/);
  const deployment = { apiVersion: "apps/v1", kind: "Deployment" };
  assert.match(schemaProblems({ file: "x.yaml", object: deployment }).join("\n"), /no schema for this kind/);
});

test("the DaemonSet has the least privilege that works, and agrees with the image on command, port and cache", () => {
  assert.is(daemonSets.length, 1);
  assert.equal(checkDaemonSet(theDaemonSet(), theImage()), []);
  const services = manifests.filter((m) => m.object.kind === "Service");
  assert.ok(services.length > 0, "a Service for scraping");
  for (const s of services) assert.equal(checkService(s.object as unknown as IService, theDaemonSet()), []);
});

test("the DaemonSet check fails on each privilege or mismatch added on purpose", () => {
  const broken: [string, (pod: IPodSpec, c: IContainer, ds: IDaemonSet) => void, RegExp][] = [
    ["privileged", (_, c) => { c.securityContext!.privileged = true; }, /privileged: true/],
    ["SYS_ADMIN", (_, c) => { c.securityContext!.capabilities!.add!.push("SYS_ADMIN"); }, /adds CAP_SYS_ADMIN/],
    ["no CAP_BPF", (_, c) => { c.securityContext!.capabilities!.add = ["PERFMON", "SETUID", "SETGID"]; }, /does not add CAP_BPF/],
    ["no SETUID for --user", (_, c) => { c.securityContext!.capabilities!.add = ["BPF", "PERFMON", "SETGID"]; }, /needs CAP_SETUID/],
    ["nothing dropped", (_, c) => { delete c.securityContext!.capabilities!.drop; }, /drop ALL/],
    ["escalation", (_, c) => { delete c.securityContext!.allowPrivilegeEscalation; }, /allowPrivilegeEscalation/],
    ["writable root", (_, c) => { c.securityContext!.readOnlyRootFilesystem = false; }, /readOnlyRootFilesystem/],
    ["unconfined", (_, c) => { c.securityContext!.seccompProfile = { type: "Unconfined" }; }, /seccompProfile Unconfined/],
    ["non-root", (_, c) => { c.securityContext!.runAsNonRoot = true; }, /runAsNonRoot/],
    ["hostPID", (pod) => { pod.hostPID = true; }, /hostPID: true/],
    ["hostNetwork", (pod) => { pod.hostNetwork = true; }, /hostNetwork: true/],
    ["a writable host path", (_, c) => { c.volumeMounts!.find((m) => m.name === "tracefs")!.readOnly = false; }, /writable/],
    ["the host's root", (pod) => { pod.volumes!.find((v) => v.name === "btf")!.hostPath!.path = "/"; }, /hostPath \/ is not BTF/],
    ["no BTF", (_, c) => { c.volumeMounts = c.volumeMounts!.filter((m) => m.name !== "btf"); }, /does not mount \/sys\/kernel\/btf/],
    ["the cache on the root filesystem", (_, c) => { c.env = [{ name: "TSBPF_CACHE_DIR", value: "/var/cache/tsbpf" }]; },
      /read-only root filesystem/],
    ["another port", (_, c) => { c.ports![0]!.containerPort = 9100; }, /port metrics is 9100/],
    ["args with another port", (_, c) => { c.args = ["/opt/tsbpf/tool.tsbpf", "--metrics", ":9100", "--user", "nobody"]; },
      /port metrics is 9464, serve listens on 9100/],
    ["a shell command", (_, c) => { c.command = ["sh", "-c", "tsbpf serve /opt/tsbpf/tool.tsbpf"]; }, /runs sh, not tsbpf/],
    ["liveness on /metrics", (_, c) => { c.livenessProbe!.httpGet!.path = "/metrics"; }, /livenessProbe does not GET \/healthz/],
    ["no readiness probe", (_, c) => { delete c.readinessProbe; }, /readinessProbe does not GET \/readyz/],
    ["no limits", (_, c) => { delete c.resources!.limits; }, /memory limit/],
    ["some nodes only", (pod) => { pod.tolerations = []; }, /toleration/],
    ["a token", (pod) => { delete pod.automountServiceAccountToken; }, /token/],
    ["OnDelete", (_, __, ds) => { ds.spec!.updateStrategy = { type: "OnDelete" }; }, /not RollingUpdate/],
  ];
  for (const [what, breakIt, expected] of broken) {
    const ds = theDaemonSet();
    const pod = ds.spec!.template.spec!;
    breakIt(pod, pod.containers[0]!, ds);
    const problems = checkDaemonSet(ds, theImage());
    assert.ok(problems.some((p) => expected.test(p)), `${what}: expected ${expected}, got ${JSON.stringify(problems)}`);
  }
  const svc = structuredClone(manifests.find((m) => m.object.kind === "Service")!.object) as unknown as IService;
  svc.spec!.clusterIP = "10.0.0.1";
  svc.spec!.selector = { app: "other" };
  assert.equal(checkService(svc, theDaemonSet()).length, 2);
});

test.run();
