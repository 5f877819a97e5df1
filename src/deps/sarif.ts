/**
 * A scan report as SARIF 2.1.0 (the format GitHub code scanning and most CI dashboards read): one
 * rule per advisory (id, summary, CVEs, `security-severity` from the CVSS score), one result per
 * (vulnerable package, advisory) located at the lockfile line of the package, level from the
 * severity (critical/high: error, medium: warning, low/unknown: note). Unreadable lockfiles are
 * error notifications of the invocation, whose `executionSuccessful` is false when the scan is partial.
 */
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { SeverityRating } from '../advisories/severity.js';
import type { DepsFinding, FindingAdvisory, ScanReport } from './scan.js';

const LEVEL: Record<SeverityRating, Result.level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', none: 'note', unknown: 'note' };
/** GitHub's `security-severity` when an advisory has a word but no score. */
const WORD_SCORE: Partial<Record<SeverityRating, string>> = { critical: '9.5', high: '8.0', medium: '5.5', low: '2.0' };

function advisoryUrl(id: string): string {
  return `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}

function rule(advisory: FindingAdvisory, finding: DepsFinding): ReportingDescriptor {
  const title = advisory.summary ?? `${advisory.id} in ${finding.package}`;
  const score = advisory.severity.score === null ? WORD_SCORE[advisory.severity.rating] : advisory.severity.score.toFixed(1);
  const aliases = advisory.aliases.length > 0 ? ` (${advisory.aliases.join(', ')})` : '';
  return {
    id: advisory.id,
    name: advisory.id.replace(/[^A-Za-z0-9]/g, ''),
    shortDescription: { text: title },
    fullDescription: { text: `${advisory.id}${aliases}: ${title}` },
    helpUri: advisoryUrl(advisory.id),
    help: {
      text: `${advisory.id}${aliases}. Severity ${advisory.severity.rating}${advisory.severity.score === null ? '' : ` ${advisory.severity.score.toFixed(1)}`}. ${advisoryUrl(advisory.id)}`,
      markdown: `**[${advisory.id}](${advisoryUrl(advisory.id)})**${aliases}: ${title}\n\nSeverity: ${advisory.severity.rating}${advisory.severity.vector === null ? '' : ` (\`${advisory.severity.vector}\`)`}`,
    },
    defaultConfiguration: { level: LEVEL[advisory.severity.rating] },
    properties: {
      tags: ['security', 'vulnerability', 'dependency', ...advisory.cves],
      ...(score === undefined ? {} : { 'security-severity': score }),
    },
  };
}

/** The SARIF log of a report; `version` is Patchwarden's. */
export function toSarif(report: ScanReport, version: string): Log {
  const rules: ReportingDescriptor[] = [];
  const ruleIndex = new Map<string, number>();
  const results: Result[] = [];
  for (const finding of report.findings) {
    for (const advisory of finding.advisories) {
      let index = ruleIndex.get(advisory.id);
      if (index === undefined) {
        index = rules.length;
        ruleIndex.set(advisory.id, index);
        rules.push(rule(advisory, finding));
      }
      const fix = finding.fixedIn === null ? 'no fixed version is known' : `fixed in ${finding.fixedIn}`;
      const path = finding.paths[0]?.join(' > ') ?? `${finding.package}@${finding.version}`;
      results.push({
        ruleId: advisory.id,
        ruleIndex: index,
        level: LEVEL[advisory.severity.rating],
        message: {
          text: `${finding.package} ${finding.version} (${finding.ecosystem}, ${finding.direct ? 'direct' : 'transitive'}${finding.dev ? ', dev' : ''}) is affected by ${advisory.id}${advisory.cves.length > 0 ? ` (${advisory.cves.join(', ')})` : ''}: ${advisory.summary ?? 'no summary'}; ${fix}. Path: ${path}.`,
        },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: finding.lockfile, uriBaseId: '%SRCROOT%' },
              ...(finding.line === null ? {} : { region: { startLine: finding.line } }),
            },
          },
        ],
        partialFingerprints: { 'patchwarden/package': `${finding.ecosystem}/${finding.package}@${finding.version}/${advisory.id}` },
        properties: { ecosystem: finding.ecosystem, package: finding.package, version: finding.version, fixedIn: finding.fixedIn, direct: finding.direct, dev: finding.dev, paths: finding.paths },
      });
    }
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'patchwarden', version, rules } },
        results,
        invocations: [
          {
            executionSuccessful: !report.partial,
            toolExecutionNotifications: report.errors.map((error) => ({
              level: 'error' as const,
              message: { text: error.message },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: error.lockfile, uriBaseId: '%SRCROOT%' },
                    ...(error.line === null ? {} : { region: { startLine: error.line } }),
                  },
                },
              ],
            })),
          },
        ],
      },
    ],
  };
}
