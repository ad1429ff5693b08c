// The violations an inspector picks from (违法行为目录): each maps to one of the server's case types
// and carries its legal basis, the penalty range and whether it may be decided on the spot.
// Demo data for a first cut: a city's legal office maintains the real list.

// 行政处罚法 第五十一条: a warning, or a fine up to 200 元 for a citizen / 3,000 元 for an organisation.
export const SPOT_LIMITS = Object.freeze({ person: 200, business: 3000 });

export const VIOLATIONS = Object.freeze([
  {
    code: 'TP-093', type: '违规停车', name: '机动车违反规定停放、临时停车',
    basis: '《中华人民共和国道路交通安全法》第九十三条第二款',
    penalty: '警告或者二十元以上二百元以下罚款', warning: true, fine: [20, 200],
  },
  {
    code: 'TP-090', type: '其他', name: '机动车驾驶人违反道路通行规定',
    basis: '《中华人民共和国道路交通安全法》第九十条',
    penalty: '警告或者二十元以上二百元以下罚款', warning: true, fine: [20, 200],
  },
  {
    code: 'TP-092', type: '超限超载', name: '货运机动车超过核定载质量',
    basis: '《中华人民共和国道路交通安全法》第九十二条第二款',
    penalty: '二百元以上五百元以下罚款；超过百分之三十的，五百元以上二千元以下罚款', warning: false, fine: [200, 2000],
  },
  {
    code: 'HW-064', type: '超限超载', name: '车辆违法超限在公路上行驶',
    basis: '《公路安全保护条例》第六十四条',
    penalty: '责令改正，可以处三万元以下罚款', warning: false, fine: [0, 30000],
  },
  {
    code: 'RT-063', type: '非法营运', name: '未取得道路运输经营许可擅自从事道路客运经营',
    basis: '《中华人民共和国道路运输条例》第六十三条',
    penalty: '责令停止经营，没收违法所得，处违法所得二倍以上十倍以下罚款；没有或不足二万元的，处一万元以上十万元以下罚款',
    warning: false, fine: [10000, 100000],
  },
  {
    code: 'MR-043', type: '无证经营', name: '未经设立登记从事经营活动',
    basis: '《中华人民共和国市场主体登记管理条例》第四十三条',
    penalty: '责令改正，没收违法所得；拒不改正的，处一万元以上十万元以下罚款', warning: false, fine: [10000, 100000],
  },
  {
    code: 'CA-036', type: '占道经营', name: '擅自在街道两侧和公共场地堆放物料、搭建设施',
    basis: '《城市市容和环境卫生管理条例》第三十六条',
    penalty: '责令停止违法行为，限期清理、拆除，并可处以罚款（金额依地方规定）', warning: false, fine: [0, 3000],
  },
]);

export function findViolation(code) {
  return VIOLATIONS.find((v) => v.code === code) || null;
}

// Whether Art. 51's simple procedure (当场处罚) is open for this violation and party, and its cap.
export function spotRule(violation, partyKind) {
  if (!violation) return { allowed: false, text: '' };
  const limit = partyKind === 'business' ? SPOT_LIMITS.business : SPOT_LIMITS.person;
  const who = partyKind === 'business' ? '单位' : '个人';
  const [min, max] = violation.fine;
  if (!violation.warning && min > limit) {
    return { allowed: false, limit, text: `不可当场处罚：罚款下限超过${who} ${limit} 元，须适用普通程序` };
  }
  if (max <= limit) return { allowed: true, limit, text: `可当场处罚（${violation.warning ? '警告或' : ''}罚款不超过 ${max} 元）` };
  return {
    allowed: true, limit,
    text: `${violation.warning ? '警告或' : ''}罚款不超过 ${limit} 元时可当场处罚，超过须适用普通程序`,
  };
}
