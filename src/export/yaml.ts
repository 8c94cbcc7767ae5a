// YAML out: YAML 1.1 scalars (docker-compose's PyYAML and Kubernetes' go-yaml read "yes", "on" and "22:22" as
// booleans and numbers unless quoted), no anchors for repeated objects, comments where the export has something to say.
import { Document, type YAMLMap } from "yaml";

export interface YamlDoc {
  object: Record<string, unknown>;
  /** A comment above the document. */
  comment?: string;
  /** For an HTTPRoute: a comment above each rule (undefined: none). */
  ruleComments?: (string | undefined)[];
}

/** Documents as one YAML stream. */
export function renderYaml(docs: YamlDoc[]): string {
  return docs
    .map(({ object, comment, ruleComments }) => {
      const doc = new Document(object, { version: "1.1", aliasDuplicateObjects: false });
      if (comment !== undefined) doc.commentBefore = comment;
      ruleComments?.forEach((text, i) => {
        const rule = doc.getIn(["spec", "rules", i], true) as YAMLMap | undefined;
        if (rule && text !== undefined) rule.commentBefore = ` ${text}`;
      });
      return doc.toString({ lineWidth: 0 });
    })
    .join("---\n");
}
