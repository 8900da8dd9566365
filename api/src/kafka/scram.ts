export const scramMechanism = 'SCRAM-SHA-512' as const
