// The icon files the app uses, as text (Vite's ?raw): bundled, never fetched at runtime.
import { DEFAULT_ICON, iconName, svgDataUri } from './common/icons.js';
import i_arrow_left_right from 'lucide-static/icons/arrow-left-right.svg?raw';
import i_award from 'lucide-static/icons/award.svg?raw';
import i_baby from 'lucide-static/icons/baby.svg?raw';
import i_bandage from 'lucide-static/icons/bandage.svg?raw';
import i_banknote from 'lucide-static/icons/banknote.svg?raw';
import i_bell from 'lucide-static/icons/bell.svg?raw';
import i_bike from 'lucide-static/icons/bike.svg?raw';
import i_book_open from 'lucide-static/icons/book-open.svg?raw';
import i_briefcase from 'lucide-static/icons/briefcase.svg?raw';
import i_briefcase_business from 'lucide-static/icons/briefcase-business.svg?raw';
import i_bus from 'lucide-static/icons/bus.svg?raw';
import i_car from 'lucide-static/icons/car.svg?raw';
import i_car_front from 'lucide-static/icons/car-front.svg?raw';
import i_check from 'lucide-static/icons/check.svg?raw';
import i_chevron_right from 'lucide-static/icons/chevron-right.svg?raw';
import i_circle from 'lucide-static/icons/circle.svg?raw';
import i_circle_alert from 'lucide-static/icons/circle-alert.svg?raw';
import i_circle_check from 'lucide-static/icons/circle-check.svg?raw';
import i_clipboard_check from 'lucide-static/icons/clipboard-check.svg?raw';
import i_clipboard_pen from 'lucide-static/icons/clipboard-pen.svg?raw';
import i_clock from 'lucide-static/icons/clock.svg?raw';
import i_credit_card from 'lucide-static/icons/credit-card.svg?raw';
import i_file_check from 'lucide-static/icons/file-check.svg?raw';
import i_file_text from 'lucide-static/icons/file-text.svg?raw';
import i_file_x from 'lucide-static/icons/file-x.svg?raw';
import i_flame from 'lucide-static/icons/flame.svg?raw';
import i_graduation_cap from 'lucide-static/icons/graduation-cap.svg?raw';
import i_hand_helping from 'lucide-static/icons/hand-helping.svg?raw';
import i_heart_pulse from 'lucide-static/icons/heart-pulse.svg?raw';
import i_hospital from 'lucide-static/icons/hospital.svg?raw';
import i_hourglass from 'lucide-static/icons/hourglass.svg?raw';
import i_house from 'lucide-static/icons/house.svg?raw';
import i_id_card from 'lucide-static/icons/id-card.svg?raw';
import i_layout_grid from 'lucide-static/icons/layout-grid.svg?raw';
import i_message_square from 'lucide-static/icons/message-square.svg?raw';
import i_piggy_bank from 'lucide-static/icons/piggy-bank.svg?raw';
import i_pill from 'lucide-static/icons/pill.svg?raw';
import i_qr_code from 'lucide-static/icons/qr-code.svg?raw';
import i_receipt from 'lucide-static/icons/receipt.svg?raw';
import i_scan_face from 'lucide-static/icons/scan-face.svg?raw';
import i_scroll_text from 'lucide-static/icons/scroll-text.svg?raw';
import i_search from 'lucide-static/icons/search.svg?raw';
import i_shield_check from 'lucide-static/icons/shield-check.svg?raw';
import i_smartphone from 'lucide-static/icons/smartphone.svg?raw';
import i_ticket from 'lucide-static/icons/ticket.svg?raw';
import i_triangle_alert from 'lucide-static/icons/triangle-alert.svg?raw';
import i_user from 'lucide-static/icons/user.svg?raw';
import i_user_round from 'lucide-static/icons/user-round.svg?raw';
import i_user_round_check from 'lucide-static/icons/user-round-check.svg?raw';
import i_users from 'lucide-static/icons/users.svg?raw';
import i_wallet from 'lucide-static/icons/wallet.svg?raw';

const SVG = {
  'arrow-left-right': i_arrow_left_right,
  'award': i_award,
  'baby': i_baby,
  'bandage': i_bandage,
  'banknote': i_banknote,
  'bell': i_bell,
  'bike': i_bike,
  'book-open': i_book_open,
  'briefcase': i_briefcase,
  'briefcase-business': i_briefcase_business,
  'bus': i_bus,
  'car': i_car,
  'car-front': i_car_front,
  'check': i_check,
  'chevron-right': i_chevron_right,
  'circle': i_circle,
  'circle-alert': i_circle_alert,
  'circle-check': i_circle_check,
  'clipboard-check': i_clipboard_check,
  'clipboard-pen': i_clipboard_pen,
  'clock': i_clock,
  'credit-card': i_credit_card,
  'file-check': i_file_check,
  'file-text': i_file_text,
  'file-x': i_file_x,
  'flame': i_flame,
  'graduation-cap': i_graduation_cap,
  'hand-helping': i_hand_helping,
  'heart-pulse': i_heart_pulse,
  'hospital': i_hospital,
  'hourglass': i_hourglass,
  'house': i_house,
  'id-card': i_id_card,
  'layout-grid': i_layout_grid,
  'message-square': i_message_square,
  'piggy-bank': i_piggy_bank,
  'pill': i_pill,
  'qr-code': i_qr_code,
  'receipt': i_receipt,
  'scan-face': i_scan_face,
  'scroll-text': i_scroll_text,
  'search': i_search,
  'shield-check': i_shield_check,
  'smartphone': i_smartphone,
  'ticket': i_ticket,
  'triangle-alert': i_triangle_alert,
  'user': i_user,
  'user-round': i_user_round,
  'user-round-check': i_user_round_check,
  'users': i_users,
  'wallet': i_wallet,
};

const cache = new Map();

// The data URI of a named icon in a colour (#0958d9, the app's primary blue, unless told).
export function iconSrc(name, color = '#0958d9') {
  const key = `${name}|${color}`;
  if (!cache.has(key)) cache.set(key, svgDataUri(SVG[name] || SVG[DEFAULT_ICON], color));
  return cache.get(key);
}

export function entryIconSrc(entry, color) {
  return iconSrc(iconName(entry), color);
}
