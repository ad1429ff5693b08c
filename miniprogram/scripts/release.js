// `npm run release:mp-weixin` (or mp-alipay, h5): refuse a build that could not work on a phone
// (scripts/release-check.js), then build with the environment's API base and write the AppID into
// the platform's project file, so nothing of the demo reaches a release.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { releaseProblems } from './release-check.js';

const platform = process.argv[2];
const problems = releaseProblems(platform, process.env);
if (problems.length) {
  console.error(`不能发布 ${platform}：\n- ${problems.join('\n- ')}\n（见 miniprogram/README.md「发布」）`);
  process.exit(1);
}
const built = spawnSync('npx', ['uni', 'build', '-p', platform], { stdio: 'inherit', env: process.env });
if (built.status !== 0) process.exit(built.status || 1);
if (platform === 'mp-weixin') {
  const file = 'dist/build/mp-weixin/project.config.json';
  const project = JSON.parse(readFileSync(file, 'utf8'));
  project.appid = process.env.WECHAT_APPID;
  writeFileSync(file, `${JSON.stringify(project, null, 2)}\n`);
}
console.log(`${platform} 发布版已生成：dist/build/${platform}（接口 ${process.env.VITE_API_BASE || '同源'}）`);
