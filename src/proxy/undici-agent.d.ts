// undici's Agent on its own (see loadAppClient in undici-transport.ts): the package's types, for the module that holds it.
declare module "undici/lib/dispatcher/agent.js" {
  import type { Agent } from "undici";
  const AgentClass: typeof Agent;
  export default AgentClass;
}
