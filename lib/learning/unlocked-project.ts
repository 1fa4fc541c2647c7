/** A project a student may now work on; newlyUnlocked is false when it was open already. */
export interface UnlockedProject {
  projectId: string;
  projectTitle: string;
  newlyUnlocked: boolean;
}
