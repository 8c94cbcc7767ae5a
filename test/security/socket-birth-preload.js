// Test-only, loaded into a zoo under test with NODE_OPTIONS="--import <this file>": prints the mode of every unix
// socket zoo binds as it is right after the bind, before zoo could chmod it (a unix socket is bound synchronously
// inside listen()). zoo's behaviour is unchanged; this only looks.
import { statSync } from "node:fs";
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const result = listen.apply(this, args);
  const path = typeof args[0] === "string" ? args[0] : args[0]?.path;
  if (typeof path === "string") {
    try {
      process.stderr.write(`socket-birth ${path} ${(statSync(path).mode & 0o777).toString(8)}\n`);
    } catch (error) {
      process.stderr.write(`socket-birth ${path} ${error.code}\n`);
    }
  }
  return result;
};
