import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { assessEtcdVersion, rbacWarning } from '../../../common/etcd/etcdVersionRisks.ts';
import { certificateFacts, daysLeft, loadTlsMaterial } from '../../../common/tls/tlsMaterial.ts';
import { CERTIFICATE_WARNING_DAYS, displayCertificates } from '../../security/enrollment.ts';
import type { CommandContext } from '../command.ts';
import { groupClockFindings } from '../../displays/groupClockCheck.ts';

/** `photoframe doctor`: what a person should know about this installation's etcd, one line each. */
export async function runDoctor({ config, values }: CommandContext): Promise<number | void> {
  const lines: string[] = [];
  const findings: Record<string, unknown> = { endpoints: config.etcd.endpoints, tls: config.etcd.tls !== null };
  let problems = 0;
  if (config.etcd.tls === null) {
    problems++;
    lines.push(`warning: etcd at ${config.etcd.endpoints.join(',')} is plain HTTP: anyone who can reach it can drive every display`);
  } else {
    const own = certificateFacts(loadTlsMaterial(config.etcd.tls).cert);
    const left = daysLeft(own);
    findings.certificate = { common_name: own.commonName, days_left: left };
    lines.push(`ok: this host connects as etcd user "${own.commonName}"; its certificate has ${left} days left`);
  }
  const client = await connectEtcd(config.etcd);
  try {
    const status = await client.maintenance.status();
    const assessment = assessEtcdVersion(status.version);
    findings.etcd_version = status.version;
    findings.rbac_risks = assessment.risks;
    const warning = rbacWarning(assessment);
    if (warning) {
      problems++;
      lines.push(`warning: ${warning}`);
      for (const risk of assessment.risks) lines.push(`  - ${risk.summary} (fixed in ${risk.fixedIn})`);
    } else {
      lines.push(`ok: etcd ${status.version} has no RBAC bypass known to this photoframe`);
    }
    // Members of a `same` group change at one instant only if each knows etcd's time to within 50 ms.
    const clocks = await groupClockFindings(client);
    findings.group_clocks = clocks;
    for (const finding of clocks) {
      problems++;
      lines.push(`warning: display ${finding.display} in group ${finding.group} may change out of step: ${finding.problem}`);
    }
  } finally {
    client.close();
  }
  const certificates = await displayCertificates(config.home);
  const expiring = [...certificates].filter(([, cert]) => cert.daysLeft <= CERTIFICATE_WARNING_DAYS);
  findings.display_certificates_expiring = expiring.map(([id, cert]) => ({ id, days_left: cert.daysLeft }));
  for (const [id, cert] of expiring) {
    problems++;
    lines.push(`warning: display ${id}'s certificate ${cert.daysLeft < 0 ? 'has expired' : `expires in ${cert.daysLeft} days`}: photoframe display renew ${id}`);
  }
  process.stdout.write(values.json ? `${JSON.stringify(findings, null, 2)}\n` : `${lines.join('\n')}\n`);
  return problems > 0 ? 2 : 0;
}
