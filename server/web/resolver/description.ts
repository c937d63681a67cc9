/**
 * The resolver description file, served at /.well-known/gs1resolver (RFC 8615): what a client
 * reads to learn that this host is a GS1-Conformant resolver, at which root, for which primary
 * keys and with which link-type namespaces. Its members are those of GS1's JSON schema for
 * resolver description files (GS1-Conformant Resolver 1.2.0 artefacts), which requires
 * resolverRoot and supportedPrimaryKeys.
 */
import { MESSAGES } from "../../html/i18n";
import { GS1_PREFIX, GS1_VOCABULARY, OWN_PREFIX, ownNamespace } from "./link-types";
import { LINKSET_CONTEXT, rootOf } from "./linkset";

export const DESCRIPTION_PATH = "/.well-known/gs1resolver";

export interface ResolverDescription {
  name: string;
  resolverRoot: string;
  supportedPrimaryKeys: string[];
  supportedLinkType: Array<{ namespace: string; prefix: string }>;
  linkTypeDefaultCanBeLinkset: boolean;
  supportedContextValuesEnumerated: string[];
  jsonLdContextLocation: string;
  validatesAIcombinations: boolean;
}

export function resolverDescription(publicBaseUrl: string): ResolverDescription {
  const root = rootOf(publicBaseUrl);
  return {
    name: `${MESSAGES.zh.siteName} · ${MESSAGES.en.siteName} (GS1 Digital Link resolver)`,
    resolverRoot: root,
    // Batches are named by GTIN (01) with their lot (10), units by a serial (21) besides.
    supportedPrimaryKeys: ["01"],
    supportedLinkType: [
      { namespace: GS1_VOCABULARY, prefix: `${GS1_PREFIX}:` },
      { namespace: ownNamespace(root), prefix: `${OWN_PREFIX}:` },
    ],
    // A request without a linkType is always answered with the default link (its page), never with the linkset.
    linkTypeDefaultCanBeLinkset: false,
    // No link here differs by the context parameter.
    supportedContextValuesEnumerated: [],
    jsonLdContextLocation: LINKSET_CONTEXT,
    // The parser checks every AI's value and the AIs together against GS1's syntax dictionary.
    validatesAIcombinations: true,
  };
}

export function descriptionUrl(publicBaseUrl: string): string {
  return `${rootOf(publicBaseUrl)}${DESCRIPTION_PATH}`;
}
