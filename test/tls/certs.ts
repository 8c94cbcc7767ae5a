// Test certificates made with openssl: one CA per directory (clients trust it with `ca`/`--cacert`), leaf
// certificates for given DNS names, expired ones through `openssl ca -startdate/-enddate`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface TestCa {
  dir: string;
  /** The CA certificate file. */
  caFile: string;
  ca: string;
}

export interface Issued {
  cert: string;
  key: string;
}

const CA_CONFIG = `[ca]
default_ca = d
[d]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = p
copy_extensions = copy
unique_subject = no
[p]
commonName = supplied
`;

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

export function makeCa(dir = mkdtempSync(path.join(tmpdir(), "zoo-tls-"))): TestCa {
  writeFileSync(path.join(dir, "ca.cnf"), CA_CONFIG);
  writeFileSync(path.join(dir, "index.txt"), "");
  writeFileSync(path.join(dir, "serial"), "01\n");
  openssl(dir, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=zoo test CA", "-days", "2"]);
  const caFile = path.join(dir, "ca.pem");
  return { dir, caFile, ca: readFileSync(caFile, "utf8") };
}

let counter = 0;

/** A leaf certificate for `names`, signed by the CA; `expired`: valid only in January 2020. */
export function issue(ca: TestCa, names: string[], options: { expired?: boolean; name?: string } = {}): Issued {
  const base = options.name ?? `leaf${++counter}`;
  const san = names.map((n) => `DNS:${n}`).join(",");
  openssl(ca.dir, ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${base}.key`, "-out", `${base}.csr`, "-subj", `/CN=${names[0]}`, "-addext", `subjectAltName=${san}`]);
  const dates = options.expired ? ["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"] : ["-days", "2"];
  openssl(ca.dir, ["ca", "-batch", "-notext", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", `${base}.csr`, ...dates, "-out", `${base}.pem`]);
  return { cert: path.join(ca.dir, `${base}.pem`), key: path.join(ca.dir, `${base}.key`) };
}
